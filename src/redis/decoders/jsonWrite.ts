/**
 * Writing edited JSON back the way the value was written. NOVA stores `json.dumps(...)` text:
 * separators `, ` and `: `, non-ASCII as `\uXXXX`; other writers use `,` `:` and raw UTF-8, or an
 * indented layout. The style is read from the stored bytes, and the edited text (laid out in the
 * editor) is compacted to it, token by token, so numbers and escapes keep their exact spelling: an
 * unchanged document is written back byte for byte.
 */

export interface JsonStyle {
  /** The stored text had line breaks between tokens: the edited layout is kept as typed. */
  pretty: boolean;
  itemSeparator: ',' | ', ';
  keySeparator: ':' | ': ';
  /** Only ASCII was stored (json.dumps' ensure_ascii): other characters are written as \uXXXX. */
  ascii: boolean;
}

/** How `stored` (valid JSON) separates its tokens and writes non-ASCII characters. */
export function jsonStyle(stored: Buffer): JsonStyle {
  let pretty = false;
  let item: ',' | ', ' | undefined;
  let key: ':' | ': ' | undefined;
  let inString = false;
  for (let i = 0; i < stored.length; i++) {
    const c = stored[i];
    if (inString) {
      if (c === 0x5c) {
        i++;
      } else if (c === 0x22) {
        inString = false;
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
    } else if (c === 0x0a) {
      pretty = true;
    } else if (c === 0x2c && item === undefined) {
      item = stored[i + 1] === 0x20 ? ', ' : ',';
    } else if (c === 0x3a && key === undefined) {
      key = stored[i + 1] === 0x20 ? ': ' : ':';
    }
  }
  // A lone scalar says nothing about separators: NOVA's own json.dumps style then.
  return { pretty, itemSeparator: item ?? ', ', keySeparator: key ?? ': ', ascii: stored.every((b) => b < 0x80) };
}

function asciiEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c < 0x80 ? s[i] : '\\u' + c.toString(16).padStart(4, '0');
  }
  return out;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * `text` (already validated as JSON) in `style`; whitespace inside strings is untouched. It works on
 * the UTF-8 bytes: a 1 MB document is compacted in a few milliseconds.
 */
export function writeJson(text: string, style: JsonStyle): Buffer {
  if (style.pretty) {
    const trimmed = text.trim();
    return Buffer.from(style.ascii ? asciiEscape(trimmed) : trimmed, 'utf8');
  }
  const src = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(src.length * 2 + 16);
  let n = 0;
  const itemSpace = style.itemSeparator.length > 1;
  const keySpace = style.keySeparator.length > 1;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === QUOTE) {
      let j = i + 1;
      let wide = false;
      while (src[j] !== QUOTE) {
        wide ||= src[j] >= 0x80;
        j += src[j] === BACKSLASH ? 2 : 1;
      }
      if (wide && style.ascii) {
        const escaped = asciiEscape(src.toString('utf8', i, j + 1));
        n += out.write(escaped, n, 'latin1');
      } else {
        n += src.copy(out, n, i, j + 1);
      }
      i = j + 1;
    } else if (c === SPACE || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
    } else {
      out[n++] = c;
      if ((c === COMMA && itemSpace) || (c === COLON && keySpace)) {
        out[n++] = SPACE;
      }
      i++;
    }
  }
  return out.subarray(0, n);
}

/** A JSON value with numbers kept as their text (so an integer stays an integer, 2^64 stays exact). */
export type JsonValue =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  | { t: 'num'; text: string }
  | { t: 'str'; v: string }
  | { t: 'arr'; items: JsonValue[] }
  | { t: 'obj'; entries: Array<[string, JsonValue]> };

/** Parses JSON that layoutJson accepted (NaN / Infinity included, as Python writes them). */
export function parseJsonValue(text: string): JsonValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /[ \t\r\n]/.test(text[i])) {
      i++;
    }
  };
  const str = (): string => {
    let j = i + 1;
    while (text[j] !== '"') {
      j += text[j] === '\\' ? 2 : 1;
    }
    const s = JSON.parse(text.slice(i, j + 1)) as string;
    i = j + 1;
    return s;
  };
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: Array<[string, JsonValue]> = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'obj', entries };
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        i++;
        entries.push([k, value()]);
        ws();
        if (text[i++] === '}') {
          return { t: 'obj', entries };
        }
      }
    }
    if (c === '[') {
      i++;
      const items: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'arr', items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i++] === ']') {
          return { t: 'arr', items };
        }
      }
    }
    if (c === '"') {
      return { t: 'str', v: str() };
    }
    const m = /^(?:true|false|null|NaN|-?Infinity|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 1100)) as RegExpExecArray;
    i += m[0].length;
    if (m[0] === 'null') {
      return { t: 'null' };
    }
    if (m[0] === 'true' || m[0] === 'false') {
      return { t: 'bool', v: m[0] === 'true' };
    }
    return { t: 'num', text: m[0] };
  };
  return value();
}
