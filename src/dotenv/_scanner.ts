/**
 * The statement loop of compose-go's `dotenv/parser.go`, as one forward pass over the text with index arithmetic:
 * skip blanks and `#` comments, drop an `export ` prefix, read the key up to `=`, `:` or a newline, then the value.
 * Every search for a newline, ` #`, `$` or `\` goes through a forward-only cache, so no line is scanned twice.
 */
import {
  BACKSLASH,
  COLON,
  DQUOTE,
  describeChar,
  EQUALS,
  HASH,
  isBlank,
  isRegexpSpace,
  isUnicodeSpace,
  keyCharLength,
  NL,
  SPACE,
  SQUOTE,
} from './_chars.ts';
import { dotenvError, locate } from './_errors.ts';
import { unescapeDouble, unescapeSingle } from './_escapes.ts';
import { interpolate, TemplateError, type VarLookup } from './_interpolate.ts';
import { NextIndex } from './_next.ts';

// Sticky and a single character class under `*`: it cannot backtrack.
const ASCII_KEY_RUN = /[A-Za-z0-9_.\-[\]]*/y;

export type EntrySink = (key: string, value: string, line: number, column: number) => void;

/**
 * Parses `text`; returns the final values (last assignment wins) and reports each assignment to `sink` in order.
 * The values live in a null-prototype object: there `obj[key] = v` defines an own property even for `__proto__`
 * (no inherited setter exists to hijack it), and it costs one build, where a Map plus `Object.fromEntries` cost two
 * (together more than the whole scan on a 10 MB file).
 */
export function scan(
  text: string,
  env: VarLookup,
  file: string,
  sink?: EntrySink,
  earlier?: VarLookup,
  quiet?: (key: string) => boolean,
): Record<string, string> {
  const s = new Scanner(text, env, file, sink, earlier, quiet);
  while (s.skipToStatement()) s.statement();
  return s.vars;
}

class Scanner {
  readonly vars: Record<string, string> = Object.create(null);
  /** The key whose value is being read (errors on a quiet key's line quote nothing of it). */
  private key = '';
  private readonly n: number;
  /** 1 when a byte order mark leads the text: it is dropped, and columns do not count it. */
  private readonly base: number;
  private pos: number;
  private line = 1;
  private lineStart: number;
  private readonly newline: NextIndex;
  private readonly spaceHash: NextIndex;
  private readonly dollar: NextIndex;
  private readonly backslash: NextIndex;
  /**
   * Interpolation sees the lookup environment first, then the keys already read: this file's, then the earlier
   * files' (compose-go's order: one map holds the earlier files' values and is overwritten by this file's lines).
   */
  private readonly lookupVar: VarLookup;

  constructor(
    private readonly text: string,
    private readonly env: VarLookup,
    private readonly file: string,
    private readonly sink: EntrySink | undefined,
    earlier: VarLookup | undefined,
    private readonly quiet?: (key: string) => boolean,
  ) {
    this.n = text.length;
    this.base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.pos = this.lineStart = this.base;
    this.newline = new NextIndex(text, '\n');
    this.spaceHash = new NextIndex(text, ' #');
    this.dollar = new NextIndex(text, '$');
    this.backslash = new NextIndex(text, '\\');
    this.lookupVar = (name) => {
      const v = env(name);
      if (v !== undefined) return v;
      const own = this.vars[name];
      return own !== undefined || earlier === undefined ? own : earlier(name);
    };
  }

  /** compose-go's `getStatementStart`: past blanks (newlines too) and whole `#` comments; false at the end. */
  skipToStatement(): boolean {
    const t = this.text;
    let i = this.pos;
    for (;;) {
      for (; i < this.n; i++) {
        const c = t.charCodeAt(i);
        if (c === NL) {
          this.line++;
          this.lineStart = i + 1;
        } else if (!isUnicodeSpace(c)) break;
      }
      this.pos = i;
      if (i >= this.n) return false;
      if (t.charCodeAt(i) !== HASH) return true;
      i = this.newline.from(i);
      if (i === -1) {
        this.pos = this.n;
        return false;
      }
    }
  }

  statement(): void {
    const t = this.text;
    const n = this.n;
    let keyStart = this.pos;
    // `^export\s+` with Go's \s (a newline counts, a vertical tab does not), then compose-go's blanks.
    if (
      t.charCodeAt(keyStart) === 101 &&
      keyStart + 6 < n &&
      isRegexpSpace(t.charCodeAt(keyStart + 6)) &&
      t.startsWith('export', keyStart)
    ) {
      keyStart += 6;
      while (keyStart < n && isBlank(t.charCodeAt(keyStart))) keyStart++;
      if (keyStart >= n)
        throw this.fail(
          this.pos,
          '"export" is not followed by a variable name',
          'write export KEY=value, or remove the line',
        );
    }
    const line = this.line;
    const column = keyStart - this.lineStart + 1;

    let i = keyStart;
    let sawSpace = false;
    let terminator = -1;
    while (i < n) {
      // The ASCII run of a key in one native step; the loop handles what stops it.
      ASCII_KEY_RUN.lastIndex = i;
      ASCII_KEY_RUN.test(t);
      i = ASCII_KEY_RUN.lastIndex;
      if (i >= n) break;
      const c = t.charCodeAt(i);
      if (c === EQUALS || c === COLON || c === NL) {
        terminator = c;
        break;
      } else if (isBlank(c)) {
        if (c === SPACE) sawSpace = true;
        i++;
      } else {
        const len = keyCharLength(t, i);
        if (len === 0)
          throw this.fail(
            i,
            `unexpected character ${describeChar(t, i)} in variable name`,
            'a variable name holds letters, digits and _ . - [ ]; the value goes after "=" (quote it there)',
          );
        i += len;
      }
    }

    if (terminator === -1) {
      // compose-go finds no key on a last line without "=", ":" or newline, and reads the whole line as the value
      // of the empty key: `FOO` at the very end of a file gives {"": "FOO"}. Kept, because Compose does it.
      let end = n;
      while (end > keyStart && isUnicodeSpace(t.charCodeAt(end - 1))) end--;
      this.pos = n;
      this.assign('', t.slice(keyStart, end), line, column);
      return;
    }

    let keyEnd = i;
    while (keyEnd > keyStart && isUnicodeSpace(t.charCodeAt(keyEnd - 1))) keyEnd--;
    if (sawSpace) {
      const space = t.indexOf(' ', keyStart);
      if (space < keyEnd)
        throw this.fail(
          space,
          'key cannot contain a space',
          'a line without "=" names a variable to inherit; write KEY=value and quote a value that holds spaces',
        );
    }
    const key = t.slice(keyStart, keyEnd);
    this.key = key;

    if (terminator === NL) {
      // A bare `KEY` takes the lookup environment's value (never an earlier line's), or is left out.
      this.line++;
      this.pos = this.lineStart = i + 1;
      const inherited = this.env(key);
      if (inherited !== undefined) this.assign(key, inherited, line, column);
      return;
    }

    let v = i + 1;
    while (v < n && isBlank(t.charCodeAt(v))) v++;
    const q = v < n ? t.charCodeAt(v) : -1;
    const value = q === DQUOTE || q === SQUOTE ? this.quoted(v, q) : this.unquoted(v);
    this.assign(key, value, line, column);
  }

  private assign(key: string, value: string, line: number, column: number): void {
    this.vars[key] = value;
    this.sink?.(key, value, line, column);
  }

  /** To the end of the line, cut at the first " #", right-trimmed; no escapes; interpolated. */
  private unquoted(v: number): string {
    const t = this.text;
    let lineEnd = this.newline.from(v);
    if (lineEnd === -1) lineEnd = this.n;
    let end = lineEnd;
    const hash = this.spaceHash.from(v);
    if (hash !== -1 && hash < lineEnd) end = hash;
    while (end > v && isUnicodeSpace(t.charCodeAt(end - 1))) end--;
    // The newline itself is left for skipToStatement, which counts it.
    this.pos = lineEnd;
    const dollar = this.dollar.from(v);
    if (dollar === -1 || dollar >= end) return t.slice(v, end);
    return this.interpolate(t.slice(v, end), v, true);
  }

  /** From the quote at `v` to the first quote not escaped by a backslash, possibly lines later. */
  private quoted(v: number, quote: number): string {
    const t = this.text;
    const ch = quote === DQUOTE ? '"' : "'";
    let close = t.indexOf(ch, v + 1);
    for (;;) {
      if (close === -1)
        throw this.fail(
          v,
          (column) => `unterminated quoted value (the ${ch} opened at column ${column} is never closed)`,
          `add the closing ${ch}, or escape a ${ch} inside the value as \\${ch}`,
        );
      // Escaped when an odd run of backslashes precedes it: the opening quote bounds the run.
      let b = close - 1;
      while (t.charCodeAt(b) === BACKSLASH) b--;
      if ((close - 1 - b) % 2 === 0) break;
      close = t.indexOf(ch, close + 1);
    }
    for (let nl = this.newline.from(v + 1); nl !== -1 && nl < close; nl = this.newline.from(nl + 1)) {
      this.line++;
      this.lineStart = nl + 1;
    }
    // What follows the closing quote is a new statement, as in compose-go (`A="x" B=y` sets both).
    this.pos = close + 1;
    const from = v + 1;
    const slash = this.backslash.from(from);
    const escaped = slash !== -1 && slash < close;
    if (quote === SQUOTE) return escaped ? unescapeSingle(t, from, close) : t.slice(from, close);
    if (!escaped) {
      const dollar = this.dollar.from(from);
      if (dollar === -1 || dollar >= close) return t.slice(from, close);
      return this.interpolate(t.slice(from, close), from, true);
    }
    const expanded = unescapeDouble(t, from, close);
    return expanded.indexOf('$') === -1 ? expanded : this.interpolate(expanded, v, false);
  }

  /**
   * `origin` is where the template starts in the text; when `exact`, template offsets map 1:1 onto the text, else
   * (escapes were expanded) an error points at `origin` itself, the opening quote.
   */
  private interpolate(template: string, origin: number, exact: boolean): string {
    try {
      return interpolate(template, this.lookupVar);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      const problem = e.bare !== undefined && this.quiet?.(this.key) ? e.bare : e.problem;
      throw this.fail(exact ? origin + e.offset : origin, problem, e.hint);
    }
  }

  private fail(pos: number, problem: string | ((column: number) => string), hint?: string) {
    const text = typeof problem === 'string' ? problem : problem(locate(this.text, pos, this.base).column);
    return dotenvError(this.text, this.base, this.file, pos, text, hint);
  }
}
