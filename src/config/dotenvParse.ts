/**
 * Reads a `.env` file the way the NOVA backend does: python-dotenv's `dotenv_values(path)` with
 * interpolation on. The npm `dotenv` parser disagrees with it on comments, escapes and `${VAR}`, so
 * this module implements python-dotenv's grammar itself and runs `dotenv.parse` only to detect lines
 * where a Node-based tool would read another value than the backend.
 *
 * Grammar learned from python-dotenv 0.21 to 1.2.4 (`parser.py`, `variables.py`, `main.py`) and
 * checked against the real library by `test/unit/dotenv.test.ts`. Three dialects exist:
 * - before 1.2.3: a UTF-8 BOM becomes part of the first key; inside quotes only a backslash directly
 *   before the quote escapes it, so `"a\\"` may run on to a later quote;
 * - 1.2.3: the BOM is dropped; a backslash escapes whichever character follows it;
 * - 1.2.4 (current): `KEY= # note` is empty, where older versions read `# note`.
 *
 * Nothing here reads or writes `process.env`: callers pass the environment used for `${VAR}`.
 * Warnings are coded data, never text, and never carry a value (values hold passwords).
 */
import { parse as npmDotenvParse } from 'dotenv';

export type PythonDotenvDialect = 'current' | '1.2.3' | 'before-1.2.3';

export const DOTENV_DIALECTS: readonly PythonDotenvDialect[] = ['current', '1.2.3', 'before-1.2.3'];

export type DotenvWarningCode =
  /** python-dotenv skips the statement and logs "could not parse statement starting at line N". */
  | 'unparsable'
  /** npm `dotenv.parse` reads another value (or none) for this key. */
  | 'differs-from-dotenv'
  /** A python-dotenv version in `versions` reads another value (or none) for this key. */
  | 'differs-across-versions'
  /** The key is assigned again; the last assignment wins. `relatedLine` is the previous one. */
  | 'duplicate-key'
  /** `KEY` without `=`: python-dotenv yields None, not an empty string. */
  | 'no-value'
  /** `${variable}` is defined nowhere (or defined without `=`) and has no default: it expands to "". */
  | 'undefined-variable'
  /** `${variable}` is only assigned later in the file: python-dotenv does not look ahead. */
  | 'forward-reference'
  /** `${variable}` came from the environment, which the backend process may not share. */
  | 'from-environment'
  /** The file was not compared with npm `dotenv` (too large, or that parser failed on it). */
  | 'npm-comparison-skipped';

export interface DotenvWarning {
  code: DotenvWarningCode;
  /** 1-based line where the statement starts. */
  line: number;
  key?: string;
  /** Name inside `${...}` for interpolation warnings. */
  variable?: string;
  relatedLine?: number;
  /** For `differs-across-versions`: the python-dotenv dialect that reads differently. */
  versions?: PythonDotenvDialect;
}

/** One statement as python-dotenv's `parse_stream` sees it, before interpolation. */
export interface DotenvBinding {
  /** null for comments, blank tails and unparsable statements. */
  key: string | null;
  /** Raw value; null when the key has no `=` (python-dotenv's None). */
  value: string | null;
  error: boolean;
  /** 1-based line of the statement's first non-blank character. */
  line: number;
  /**
   * The line python-dotenv reports: it counts from the end of the previous statement, so blank
   * lines before an unparsable statement make it point above the statement.
   */
  pythonLine: number;
}

export interface DotenvOptions {
  /** Looked up by `${VAR}` after earlier values of the file (`dotenv_values` uses override=True). */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Defaults to `current`. */
  dialect?: PythonDotenvDialect;
  /** `dotenv_values(interpolate=...)`, true by default as in python-dotenv. */
  interpolate?: boolean;
}

export interface DotenvParseResult {
  /** Insertion order of the first assignment, value of the last one, as in a Python dict. undefined is None. */
  values: Map<string, string | undefined>;
  /** Line of the last assignment of each key. */
  lines: Map<string, number>;
  warnings: DotenvWarning[];
}

export interface DotenvVariableResult {
  /** undefined when the key is absent or has no `=`. */
  value: string | undefined;
  /** Line of the assignment that wins; absent when the key is not in the file. */
  line?: number;
  warnings: DotenvWarning[];
}

export interface RedisUrlResult {
  url: string | undefined;
  line?: number;
  warnings: DotenvWarning[];
}

export const REDIS_URL_KEY = 'REDIS_URL';

interface DialectFeatures {
  stripBom: boolean;
  backslashEscapesAnyChar: boolean;
  spaceHashIsEmptyValue: boolean;
}

const FEATURES: Record<PythonDotenvDialect, DialectFeatures> = {
  current: { stripBom: true, backslashEscapesAnyChar: true, spaceHashIsEmptyValue: true },
  '1.2.3': { stripBom: true, backslashEscapesAnyChar: true, spaceHashIsEmptyValue: false },
  'before-1.2.3': { stripBom: false, backslashEscapesAnyChar: false, spaceHashIsEmptyValue: false },
};

/** Maps a python-dotenv `__version__` to the dialect this module emulates for it. */
export function dialectForVersion(version: string): PythonDotenvDialect {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const ordinal = major * 1_000_000 + minor * 1_000 + patch;
  if (ordinal >= 1_002_004) {
    return 'current';
  }
  return ordinal >= 1_002_003 ? '1.2.3' : 'before-1.2.3';
}

/**
 * Python's `\s` on str (str.isspace): JavaScript's `\s` minus U+FEFF plus U+001C..U+001F and U+0085.
 * The difference matters: a BOM is not whitespace to Python, and U+0085 ends an unquoted value.
 */
const HORIZONTAL_SPACE = '\\t\\v\\f\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE = `${HORIZONTAL_SPACE}\\n\\r`;
const IS_SPACE = new RegExp(`^[${SPACE}]$`);
const IS_HORIZONTAL_SPACE = new RegExp(`^[${HORIZONTAL_SPACE}]$`);
const DOUBLE_QUOTE_ESCAPE = /\\[\\'"abfnrtv]/g;
const SINGLE_QUOTE_ESCAPE = /\\[\\']/g;
const DOUBLE_QUOTE_DECODED: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};
/**
 * npm `dotenv.parse` is a second opinion only, and its regular expression recurses once per character
 * of a quoted value (a 10 MB value overflows the stack). Past this size, nobody edits the file by
 * hand, which is what the comparison is for: it is skipped and the skip is reported.
 */
export const NPM_COMPARISON_MAX_CHARS = 1_000_000;

class ParseFailure extends Error {}

/**
 * Python opens the file in text mode, which turns CRLF and lone CR into LF before the parser runs;
 * the extension reads raw text, so it must do the same or line counts and quoted values drift.
 */
function universalNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * python-dotenv's `re.sub(r"\s+#.*", "", value).rstrip()`: cut at the first run of spaces that is
 * followed by `#`, then drop trailing spaces. Done by hand in one pass: as a regular expression, a
 * long run of spaces not followed by `#` is rescanned from each of its characters (quadratic).
 */
function unquotedValue(raw: string): string {
  let runStart = -1;
  let end = raw.length;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (IS_SPACE.test(c)) {
      if (runStart < 0) {
        runStart = i;
      }
      continue;
    }
    if (c === '#' && runStart >= 0) {
      end = runStart;
      break;
    }
    runStart = -1;
  }
  while (end > 0 && IS_SPACE.test(raw.charAt(end - 1))) {
    end--;
  }
  return raw.slice(0, end);
}

/**
 * Replaces every `${NAME}` or `${NAME:-default}` (python-dotenv's `\$\{([^}:]*)(?::-([^}]*))?\}`:
 * NAME stops at the first `}` or `:`, the default at the first `}`) with `replace(name, default)`.
 * By hand with the next `}` and `:` remembered: the regular expression rescans the rest of the text
 * from every `${` that is never closed, which is quadratic (40,000 of them took seconds).
 */
function expandReferences(text: string, replace: (name: string, fallback: string | undefined) => string): string {
  let out = '';
  let copied = 0;
  let nextClose = -2;
  let nextColon = -2;
  const after = (found: number, char: string, from: number): number => (found >= from || found === -1 ? found : text.indexOf(char, from));
  let at = text.indexOf('${');
  while (at >= 0) {
    const nameStart = at + 2;
    nextClose = after(nextClose, '}', nameStart);
    nextColon = after(nextColon, ':', nameStart);
    let end = -1;
    let fallback: string | undefined;
    if (nextClose >= 0 && (nextColon < 0 || nextClose < nextColon)) {
      end = nextClose;
    } else if (nextColon >= 0 && text.charAt(nextColon + 1) === '-') {
      const close = after(nextClose, '}', nextColon + 2);
      if (close >= 0) {
        end = close;
        fallback = text.slice(nextColon + 2, close);
      }
    }
    if (end < 0) {
      at = text.indexOf('${', at + 1);
      continue;
    }
    const nameEnd = fallback === undefined ? end : nextColon;
    out += text.slice(copied, at) + replace(text.slice(nameStart, nameEnd), fallback);
    copied = end + 1;
    at = text.indexOf('${', copied);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Works on text whose line ends are all LF (see `universalNewlines`). */
class Scanner {
  pos = 0;
  line = 1;

  constructor(
    readonly text: string,
    private readonly features: DialectFeatures,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  private advanceTo(end: number): string {
    const consumed = this.text.slice(this.pos, end);
    for (const char of consumed) {
      if (char === '\n') {
        this.line++;
      }
    }
    this.pos = end;
    return consumed;
  }

  private endOfRun(from: number, accept: (char: string) => boolean): number {
    let end = from;
    while (end < this.text.length && accept(this.text.charAt(end))) {
      end++;
    }
    return end;
  }

  skipSpace(): void {
    this.advanceTo(this.endOfRun(this.pos, (c) => IS_SPACE.test(c)));
  }

  skipHorizontalSpace(): string {
    return this.advanceTo(this.endOfRun(this.pos, (c) => IS_HORIZONTAL_SPACE.test(c)));
  }

  /** `export` counts as a prefix only when horizontal space follows it; `export=1` is a key. */
  skipExport(): void {
    if (!this.text.startsWith('export', this.pos)) {
      return;
    }
    const afterWord = this.pos + 'export'.length;
    const end = this.endOfRun(afterWord, (c) => IS_HORIZONTAL_SPACE.test(c));
    if (end > afterWord) {
      this.advanceTo(end);
    }
  }

  readKey(): string | null {
    const first = this.peek();
    if (first === '#') {
      return null;
    }
    if (first === "'") {
      const close = this.text.indexOf("'", this.pos + 1);
      if (close <= this.pos + 1) {
        throw new ParseFailure('quoted key');
      }
      const key = this.text.slice(this.pos + 1, close);
      this.advanceTo(close + 1);
      return key;
    }
    const end = this.endOfRun(this.pos, (c) => c !== '=' && c !== '#' && !IS_SPACE.test(c));
    if (end === this.pos) {
      throw new ParseFailure('key');
    }
    return this.advanceTo(end);
  }

  readValue(spaceAfterEquals: boolean): string {
    const first = this.peek();
    if (first === '#' && spaceAfterEquals && this.features.spaceHashIsEmptyValue) {
      return '';
    }
    if (first === "'") {
      return this.readQuoted("'").replace(SINGLE_QUOTE_ESCAPE, (escape) => escape.charAt(1));
    }
    if (first === '"') {
      return this.readQuoted('"').replace(
        DOUBLE_QUOTE_ESCAPE,
        (escape) => DOUBLE_QUOTE_DECODED[escape.charAt(1)] ?? escape,
      );
    }
    if (first === '' || first === '\n') {
      return '';
    }
    const end = this.endOfRun(this.pos, (c) => c !== '\n');
    return unquotedValue(this.advanceTo(end));
  }

  /** Returns the text between the quotes, escapes still encoded; may span lines. */
  private readQuoted(quote: string): string {
    const start = this.pos + 1;
    let i = start;
    let lastEscapedQuote = -1;
    while (i < this.text.length) {
      const char = this.text.charAt(i);
      if (char === quote) {
        return this.takeQuoted(start, i);
      }
      if (char === '\\') {
        if (this.features.backslashEscapesAnyChar) {
          if (i + 1 >= this.text.length) {
            break;
          }
          i += 2;
          continue;
        }
        if (this.text.charAt(i + 1) === quote) {
          lastEscapedQuote = i + 1;
          i += 2;
          continue;
        }
      }
      i++;
    }
    // Older versions match `(?:\\Q|[^Q])*Q` by backtracking: with no bare closing quote left in the
    // file, the last escaped quote becomes the closing one.
    if (!this.features.backslashEscapesAnyChar && lastEscapedQuote >= 0) {
      return this.takeQuoted(start, lastEscapedQuote);
    }
    throw new ParseFailure('unterminated quote');
  }

  private takeQuoted(start: number, close: number): string {
    const inner = this.text.slice(start, close);
    this.advanceTo(close + 1);
    return inner;
  }

  skipComment(): void {
    const end = this.endOfRun(this.pos, (c) => IS_HORIZONTAL_SPACE.test(c));
    if (this.text.charAt(end) === '#') {
      this.advanceTo(this.endOfRun(end, (c) => c !== '\n'));
    }
  }

  expectEndOfLine(): void {
    this.skipHorizontalSpace();
    if (this.atEnd()) {
      return;
    }
    if (this.peek() !== '\n') {
      throw new ParseFailure('end of line');
    }
    this.advanceTo(this.pos + 1);
  }

  /** Error recovery resumes after the line where reading stopped, not after the statement's first line. */
  skipRestOfLine(): void {
    let end = this.endOfRun(this.pos, (c) => c !== '\n');
    if (end < this.text.length) {
      end++;
    }
    this.advanceTo(end);
  }
}

/** Splits text into statements exactly as python-dotenv's `parse_stream` does for a file. */
export function scanDotenv(text: string, dialect: PythonDotenvDialect = 'current'): DotenvBinding[] {
  const features = FEATURES[dialect];
  let source = universalNewlines(text);
  if (features.stripBom && source.startsWith('\ufeff')) {
    source = source.slice(1);
  }
  const scanner = new Scanner(source, features);
  const bindings: DotenvBinding[] = [];
  while (!scanner.atEnd()) {
    const pythonLine = scanner.line;
    scanner.skipSpace();
    const line = scanner.line;
    if (scanner.atEnd()) {
      bindings.push({ key: null, value: null, error: false, line, pythonLine });
      break;
    }
    try {
      scanner.skipExport();
      const key = scanner.readKey();
      scanner.skipHorizontalSpace();
      let value: string | null = null;
      if (scanner.peek() === '=') {
        scanner.pos++;
        const spaceAfterEquals = scanner.skipHorizontalSpace().length > 0;
        value = scanner.readValue(spaceAfterEquals);
      }
      scanner.skipComment();
      scanner.expectEndOfLine();
      bindings.push({ key, value, error: false, line, pythonLine });
    } catch (err) {
      if (!(err instanceof ParseFailure)) {
        throw err;
      }
      scanner.skipRestOfLine();
      bindings.push({ key: null, value: null, error: true, line, pythonLine });
    }
  }
  return bindings;
}

function lookUp(
  name: string,
  earlier: ReadonlyMap<string, string | undefined>,
  environment: Readonly<Record<string, string | undefined>>,
): { found: 'file' | 'environment'; value: string | undefined } | undefined {
  if (earlier.has(name)) {
    return { found: 'file', value: earlier.get(name) };
  }
  // Own properties only: `${constructor}` must not resolve to Object.prototype's.
  if (Object.prototype.hasOwnProperty.call(environment, name) && environment[name] !== undefined) {
    return { found: 'environment', value: environment[name] };
  }
  return undefined;
}

function interpolationWarnings(
  line: number,
  key: string,
  variable: string,
  hit: ReturnType<typeof lookUp>,
  fallback: string | undefined,
  assignedLater: boolean,
): DotenvWarning[] {
  const warnings: DotenvWarning[] = [];
  if (assignedLater && hit?.found !== 'file') {
    warnings.push({ code: 'forward-reference', line, key, variable });
  }
  if (hit?.found === 'environment') {
    warnings.push({ code: 'from-environment', line, key, variable });
  }
  // A key written without `=` shadows the environment with None, and None beats the default.
  const empty = hit === undefined ? fallback === undefined && !assignedLater : hit.value === undefined;
  if (empty) {
    warnings.push({ code: 'undefined-variable', line, key, variable });
  }
  return warnings;
}

/** Parses and interpolates like python-dotenv, without the comparisons that produce warnings. */
function evaluate(
  bindings: readonly DotenvBinding[],
  options: DotenvOptions,
  warnings: DotenvWarning[] | undefined,
): { values: Map<string, string | undefined>; lines: Map<string, number> } {
  const environment = options.environment ?? {};
  const interpolate = options.interpolate ?? true;
  const values = new Map<string, string | undefined>();
  const lines = new Map<string, number>();
  // Assignments not yet evaluated, the current one included: tells a forward reference apart.
  const pending = new Map<string, number>();
  for (const binding of bindings) {
    if (binding.key !== null) {
      pending.set(binding.key, (pending.get(binding.key) ?? 0) + 1);
    }
  }
  for (const binding of bindings) {
    if (binding.key === null) {
      continue;
    }
    const key = binding.key;
    let result: string | undefined;
    if (binding.value !== null) {
      result = interpolate
        ? expandReferences(binding.value, (name, fallback) => {
            const hit = lookUp(name, values, environment);
            if (warnings) {
              const assignedLater = (pending.get(name) ?? 0) > (name === key ? 1 : 0);
              for (const w of interpolationWarnings(binding.line, key, name, hit, fallback, assignedLater)) {
                warnings.push(w);
              }
            }
            return hit === undefined ? (fallback ?? '') : (hit.value ?? '');
          })
        : binding.value;
    } else if (warnings) {
      warnings.push({ code: 'no-value', line: binding.line, key });
    }
    if (warnings && lines.has(key)) {
      warnings.push({ code: 'duplicate-key', line: binding.line, key, relatedLine: lines.get(key) });
    }
    values.set(key, result);
    lines.set(key, binding.line);
    pending.set(key, (pending.get(key) ?? 1) - 1);
  }
  return { values, lines };
}

/**
 * Where npm dotenv finds each key (its keys are `[\w.-]+`, before `=` or `: `): the last line that
 * starts with it, for keys python-dotenv does not have. One pass over the file for all keys.
 */
function npmKeyLines(text: string): Map<string, number> {
  const start = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=|:\s)/;
  const found = new Map<string, number>();
  universalNewlines(text)
    .split('\n')
    .forEach((line, index) => {
      const key = start.exec(line)?.[1];
      if (key !== undefined) {
        found.set(key, index + 1);
      }
    });
  return found;
}

function npmParse(text: string): Record<string, string> | undefined {
  if (text.length > NPM_COMPARISON_MAX_CHARS) {
    return undefined;
  }
  try {
    return npmDotenvParse(text);
  } catch {
    // Whatever goes wrong in the second opinion, the file is still read as python-dotenv reads it.
    return undefined;
  }
}

function compareWithNpmDotenv(
  text: string,
  values: ReadonlyMap<string, string | undefined>,
  lines: ReadonlyMap<string, number>,
): DotenvWarning[] {
  const npm = npmParse(text);
  if (npm === undefined) {
    return [{ code: 'npm-comparison-skipped', line: 1 }];
  }
  const keys = new Set<string>([...values.keys(), ...Object.keys(npm)]);
  const warnings: DotenvWarning[] = [];
  let npmLines: Map<string, number> | undefined;
  for (const key of keys) {
    const npmValue = Object.prototype.hasOwnProperty.call(npm, key) ? npm[key] : undefined;
    if (npmValue !== values.get(key)) {
      let line = lines.get(key);
      if (line === undefined) {
        npmLines ??= npmKeyLines(text);
        line = npmLines.get(key) ?? 1;
      }
      warnings.push({ code: 'differs-from-dotenv', line, key });
    }
  }
  return warnings;
}

function compareWithOtherDialects(
  text: string,
  options: DotenvOptions,
  primary: PythonDotenvDialect,
  values: ReadonlyMap<string, string | undefined>,
  lines: ReadonlyMap<string, number>,
): DotenvWarning[] {
  const warnings: DotenvWarning[] = [];
  for (const dialect of DOTENV_DIALECTS) {
    if (dialect === primary) {
      continue;
    }
    const other = evaluate(scanDotenv(text, dialect), options, undefined).values;
    for (const [key, value] of values) {
      if (!other.has(key) || other.get(key) !== value) {
        warnings.push({ code: 'differs-across-versions', line: lines.get(key) ?? 1, key, versions: dialect });
      }
    }
  }
  return warnings;
}

function byLine(a: DotenvWarning, b: DotenvWarning): number {
  return a.line - b.line;
}

/** The whole file as `dotenv_values(path)` returns it, plus coded warnings. */
export function parseDotenv(text: string, options: DotenvOptions = {}): DotenvParseResult {
  const dialect = options.dialect ?? 'current';
  const bindings = scanDotenv(text, dialect);
  const warnings: DotenvWarning[] = bindings.filter((b) => b.error).map((b) => ({ code: 'unparsable', line: b.line }));
  const { values, lines } = evaluate(bindings, options, warnings);
  const all = warnings.concat(compareWithNpmDotenv(text, values, lines), compareWithOtherDialects(text, options, dialect, values, lines));
  return { values, lines, warnings: all.sort(byLine) };
}

/** `"KEY"=v` defines a key with quotes in its name: worth a warning when someone looks for KEY. */
function looksLike(candidate: string, key: string): boolean {
  return candidate === key || candidate === `"${key}"`;
}

/**
 * One variable and the warnings that bear on it: every unparsable statement (it may be a mangled
 * definition of the key) and every warning about the key itself.
 */
export function readDotenvVariable(text: string, key: string, options: DotenvOptions = {}): DotenvVariableResult {
  const parsed = parseDotenv(text, options);
  const warnings = parsed.warnings.filter(
    (w) => w.code === 'unparsable' || w.code === 'npm-comparison-skipped' || (w.key !== undefined && looksLike(w.key, key)),
  );
  const line = parsed.lines.get(key);
  return line === undefined ? { value: undefined, warnings } : { value: parsed.values.get(key), line, warnings };
}

export function readRedisUrl(text: string, options: DotenvOptions = {}): RedisUrlResult {
  const { value, line, warnings } = readDotenvVariable(text, REDIS_URL_KEY, options);
  return line === undefined ? { url: value, warnings } : { url: value, line, warnings };
}

export type DotenvDecodeResult = { ok: true; text: string } | { ok: false; code: 'invalid-utf8' };

/**
 * Decodes file bytes as python-dotenv opens them (strict UTF-8, BOM kept for the parser to judge).
 * Python raises on invalid UTF-8, so the backend would not start: report it instead of guessing.
 */
export function decodeDotenvBytes(bytes: Uint8Array): DotenvDecodeResult {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { ok: false, code: 'invalid-utf8' };
  }
}
