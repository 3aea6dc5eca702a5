/**
 * Text a user types for a key name, field, member or value, turned into bytes. Plain text is taken
 * as UTF-8 exactly as typed. When the original is shown escaped (`displayName`: binary bytes as
 * `\xNN`, controls as `\n` `\r` `\t` `\0`, invisible characters as `\u{NNNN}`, `\` as `\\`), the input
 * box starts from that form and the text is read back in it, so that editing a binary name keeps
 * every byte the user did not touch.
 */
import { displayName, needsEscaping } from './keyName';

export interface EditableText {
  text: string;
  /** The text is in the escaped form: read it back with `bytesFromText(text, true)`. */
  escaped: boolean;
}

export function editableText(bytes: Uint8Array): EditableText {
  const escaped = needsEscaping(bytes);
  // displayName writes the empty name as `""`; an input box starts empty instead.
  return { text: bytes.length === 0 ? '' : displayName(bytes), escaped };
}

const SHORT: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c };

/** Reads an escaped text back into bytes; undefined when an escape is malformed. */
export function parseEscaped(text: string): Buffer | undefined {
  const out: Buffer[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain) {
      out.push(Buffer.from(plain, 'utf8'));
      plain = '';
    }
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      plain += ch;
      continue;
    }
    const next = text[i + 1];
    if (next !== undefined && next in SHORT) {
      flush();
      out.push(Buffer.from([SHORT[next]]));
      i += 1;
      continue;
    }
    const hex = /^x([0-9a-fA-F]{2})/.exec(text.slice(i + 1));
    if (hex) {
      flush();
      out.push(Buffer.from([parseInt(hex[1], 16)]));
      i += 3;
      continue;
    }
    const cp = /^u\{([0-9a-fA-F]{1,6})\}/.exec(text.slice(i + 1));
    if (cp) {
      const n = parseInt(cp[1], 16);
      if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) {
        return undefined;
      }
      plain += String.fromCodePoint(n);
      i += cp[0].length;
      continue;
    }
    return undefined;
  }
  flush();
  return Buffer.concat(out);
}

/** The bytes `text` stands for: escaped form or plain UTF-8 (see the module comment). */
export function bytesFromText(text: string, escaped: boolean): Buffer | undefined {
  return escaped ? parseEscaped(text) : Buffer.from(text, 'utf8');
}
