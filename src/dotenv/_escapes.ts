/**
 * Backslashes inside quoted values. compose-go first scans for the closing quote (a backslash protects the next
 * character; only an escaped quote loses its backslash), then, for double quotes, rewrites
 * `\\(?:[abcfnrtv$"\\]|0\d{0,3})` through Go's `strconv.UnquoteChar`. Both passes are folded into one here: the
 * content's backslash pairs are the same in both, because the closing-quote scan already paired them.
 *
 * Output goes to a UTF-16 buffer, never longer than the input (no escape grows), then becomes a string in chunks:
 * appending piece by piece would build one rope node per escape, hundreds of MB for a 10 MB value of escapes.
 */
import { BACKSLASH, DOLLAR, DQUOTE, SQUOTE } from './_chars.ts';

/** `t[from, to)` is the content between single quotes: `\'` is a quote, every other pair stays as written. */
export function unescapeSingle(t: string, from: number, to: number): string {
  const out = new Uint16Array(to - from);
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (c === BACKSLASH && t.charCodeAt(i + 1) === SQUOTE) continue;
    out[n++] = c;
    if (c === BACKSLASH) out[n++] = t.charCodeAt(++i);
  }
  return fromCodes(out, n);
}

/** `t[from, to)` is the content between double quotes; the result still needs interpolation. */
export function unescapeDouble(t: string, from: number, to: number): string {
  const out = new Uint16Array(to - from);
  let n = 0;
  let i = from;
  while (i < to) {
    const c = t.charCodeAt(i++);
    if (c !== BACKSLASH) {
      out[n++] = c;
      continue;
    }
    const x = t.charCodeAt(i++);
    switch (x) {
      case DQUOTE:
      case BACKSLASH:
        out[n++] = x;
        break;
      case 97: // a
        out[n++] = 7;
        break;
      case 98: // b
        out[n++] = 8;
        break;
      case 102: // f
        out[n++] = 12;
        break;
      case 110: // n
        out[n++] = 10;
        break;
      case 114: // r
        out[n++] = 13;
        break;
      case 116: // t
        out[n++] = 9;
        break;
      case 118: // v
        out[n++] = 11;
        break;
      case DOLLAR:
        // `\$` becomes `$$`, which interpolation then reads as one literal `$`.
        out[n++] = DOLLAR;
        out[n++] = DOLLAR;
        break;
      case 48: {
        let digits = 0;
        while (digits < 3 && i + digits < to && isDigit(t.charCodeAt(i + digits))) digits++;
        n = octal(t, i, digits, out, n);
        i += digits;
        break;
      }
      default:
        // `\c` is in compose-go's pattern but not an escape Go knows, so it stays; so do `\x`, `\u`, `\'`, `\ `.
        out[n++] = BACKSLASH;
        out[n++] = x;
    }
  }
  return fromCodes(out, n);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * `\0` plus up to three digits at `t[at, at+digits)`. compose-go rewrites it to `\ddd` for Go, which wants exactly
 * three octal digits worth at most 255 (a code point, U+0000–U+00FF); on any other input it keeps the rewritten
 * text, so the `0` is dropped: `\0` becomes `\`, `\012` becomes `\12`. Returns the new output length.
 */
function octal(t: string, at: number, digits: number, out: Uint16Array, n: number): number {
  if (digits === 3) {
    let v = 0;
    for (let j = 0; j < 3 && v <= 255; j++) {
      const d = t.charCodeAt(at + j) - 48;
      v = d > 7 ? 256 : v * 8 + d;
    }
    if (v <= 255) {
      out[n] = v;
      return n + 1;
    }
  }
  out[n++] = BACKSLASH;
  for (let j = 0; j < digits; j++) out[n++] = t.charCodeAt(at + j);
  return n;
}

const CHUNK = 8192;

function fromCodes(codes: Uint16Array, n: number): string {
  const chunk = (a: number, b: number) => String.fromCharCode.apply(null, codes.subarray(a, b) as unknown as number[]);
  if (n <= CHUNK) return chunk(0, n);
  const parts: string[] = [];
  for (let a = 0; a < n; a += CHUNK) parts.push(chunk(a, Math.min(n, a + CHUNK)));
  return parts.join('');
}
