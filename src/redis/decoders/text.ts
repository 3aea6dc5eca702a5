/**
 * UTF-8 text: only valid UTF-8 is shown as text (no replacement characters). In automatic mode the
 * bytes must also read like text (no NUL, hardly any control characters); otherwise hex is clearer.
 */
import { looksLikeText, validUtf8 } from './bytes';
import { fail, type DecodeAttempt, type Decoder } from './types';

export const textDecoder: Decoder = {
  id: 'text',
  decode(bytes, options): DecodeAttempt {
    const partial = options.partial === true;
    const utf8 = validUtf8(bytes, partial);
    if (!utf8.ok) {
      return fail('not valid UTF-8');
    }
    if (options.auto && !looksLikeText(bytes, partial)) {
      return fail('binary data');
    }
    return {
      ok: true,
      payload: { kind: 'text', text: bytes.toString('utf8', 0, utf8.length) },
      chain: ['text'],
      notes: bytes.length === 0 ? [{ code: 'EMPTY' }] : [],
      complete: !partial,
    };
  },
};

export const hexDecoder: Decoder = {
  id: 'hex',
  decode(bytes, options): DecodeAttempt {
    return {
      ok: true,
      payload: { kind: 'bytes', bytes, forced: !options.auto },
      chain: ['hex'],
      notes: bytes.length === 0 ? [{ code: 'EMPTY' }] : [],
      complete: !options.partial,
    };
  },
};
