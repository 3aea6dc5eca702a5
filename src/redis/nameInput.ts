/**
 * Text a user types for a key name, field, member or value, turned into bytes. Plain text is taken
 * as UTF-8 exactly as typed. When the original is shown escaped (`displayName`: binary bytes as
 * `\xNN`, controls as `\n` `\r` `\t` `\0`, invisible characters as `\u{NNNN}`, `\` as `\\`), the input
 * box starts from that form and the text is read back in it, so that editing a binary name keeps
 * every byte the user did not touch.
 */
import { decodeEscapes, displayName, needsEscaping, type EscapeRules } from './keyName';

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

/** The escapes `displayName` writes, and nothing else: a mistyped escape is refused, not guessed. */
const DISPLAY_ESCAPES: EscapeRules = { controls: { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c }, strict: true };

/** Reads an escaped text back into bytes; undefined when an escape is malformed. */
export function parseEscaped(text: string): Buffer | undefined {
  return decodeEscapes(text, DISPLAY_ESCAPES);
}

/** The bytes `text` stands for: escaped form or plain UTF-8 (see the module comment). */
export function bytesFromText(text: string, escaped: boolean): Buffer | undefined {
  return escaped ? parseEscaped(text) : Buffer.from(text, 'utf8');
}
