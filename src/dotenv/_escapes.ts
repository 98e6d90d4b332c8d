/**
 * Backslashes inside quoted values. compose-go first scans for the closing quote (a backslash protects the next
 * character; only an escaped quote loses its backslash), then, for double quotes, rewrites
 * `\\(?:[abcfnrtv$"\\]|0\d{0,3})` through Go's `strconv.UnquoteChar`. Both passes are folded into one here: the
 * content's backslash pairs are the same in both, because the closing-quote scan already paired them.
 */
import { BACKSLASH, DQUOTE, SQUOTE } from './_chars.ts';

const SIMPLE: Record<number, string> = {
  [DQUOTE]: '"',
  [BACKSLASH]: '\\',
  97: '\x07', // a
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
  118: '\v',
  // `\$` becomes `$$`, which interpolation then reads as one literal `$`.
  36: '$$',
};

/** `t[from, to)` is the content between single quotes: `\'` is a quote, every other pair stays as written. */
export function unescapeSingle(t: string, from: number, to: number): string {
  let out = '';
  let i = from;
  for (let k = t.indexOf('\\', i); k !== -1 && k < to; k = t.indexOf('\\', i)) {
    out += t.slice(i, k);
    out += t.charCodeAt(k + 1) === SQUOTE ? "'" : t.slice(k, k + 2);
    i = k + 2;
  }
  return out + t.slice(i, to);
}

/** `t[from, to)` is the content between double quotes; the result still needs interpolation. */
export function unescapeDouble(t: string, from: number, to: number): string {
  let out = '';
  let i = from;
  for (let k = t.indexOf('\\', i); k !== -1 && k < to; k = t.indexOf('\\', i)) {
    out += t.slice(i, k);
    const x = t.charCodeAt(k + 1);
    const simple = SIMPLE[x];
    if (simple !== undefined) {
      out += simple;
      i = k + 2;
    } else if (x === 48) {
      i = k + 2;
      let digits = 0;
      while (digits < 3 && i + digits < to && isDigit(t.charCodeAt(i + digits))) digits++;
      out += octal(t, i, digits);
      i += digits;
    } else {
      // `\c` is in compose-go's pattern but not an escape Go knows, so it stays; so do `\x`, `\u`, `\'`, `\ `.
      out += t.slice(k, k + 2);
      i = k + 2;
    }
  }
  return out + t.slice(i, to);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * `\0` plus up to three digits at `t[at, at+digits)`. compose-go rewrites it to `\ddd` for Go, which wants exactly
 * three octal digits worth at most 255 (a code point, U+0000–U+00FF); on any other input it keeps the rewritten
 * text, so the `0` is dropped: `\0` becomes `\`, `\012` becomes `\12`.
 */
function octal(t: string, at: number, digits: number): string {
  if (digits === 3) {
    let v = 0;
    for (let j = 0; j < 3; j++) {
      const d = t.charCodeAt(at + j) - 48;
      if (d > 7) {
        v = 256;
        break;
      }
      v = v * 8 + d;
    }
    if (v <= 255) return String.fromCharCode(v);
  }
  return '\\' + t.slice(at, at + digits);
}
