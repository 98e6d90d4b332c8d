/**
 * Character classes exactly as compose-go draws them. Go decides on runes; every rune these sets name is in the BMP,
 * so one UTF-16 unit stands for one rune here, except key letters, which may be astral (see `keyCharLength`).
 */

export const NL = 10;
export const CR = 13;
export const SPACE = 32;
export const HASH = 35;
export const DQUOTE = 34;
export const SQUOTE = 39;
export const BACKSLASH = 92;
export const DOLLAR = 36;
export const EQUALS = 61;
export const COLON = 58;
export const LBRACE = 123;
export const RBRACE = 125;

/** Go's `unicode.IsSpace`: where statements start, and what an unquoted value loses at its end. */
export function isUnicodeSpace(c: number): boolean {
  if (c <= 0xff) return c === SPACE || (c >= 9 && c <= 13) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/**
 * compose-go's own `isSpace`: a blank that does not end a line. Inside a key it is skipped over (and stays part of
 * the key unless it trails), and it is what separates `=` from the value.
 */
export function isBlank(c: number): boolean {
  return c === SPACE || c === 9 || c === 11 || c === 12 || c === CR || c === 0x85 || c === 0xa0;
}

/** `\s` of Go's RE2, which decides whether `export` is a prefix (`^export\s+`): no vertical tab, but a newline. */
export function isRegexpSpace(c: number): boolean {
  return c === SPACE || c === 9 || c === NL || c === 12 || c === CR;
}

/** 1 where an ASCII character may be part of a key: the scanner's fast path. */
export const ASCII_KEY = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII_KEY[c] = 1;
for (let c = 65; c <= 90; c++) ASCII_KEY[c] = 1;
for (let c = 97; c <= 122; c++) ASCII_KEY[c] = 1;
for (const c of '_.-[]') ASCII_KEY[c.charCodeAt(0)] = 1;

// Sticky, so it tests in place without slicing; one code point, so it cannot backtrack.
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/uy;

/**
 * How many UTF-16 units the key character at `i` spans (1 or 2), or 0 when it may not be part of a key.
 * Key characters are Go's `unicode.IsLetter`/`IsNumber` plus `_ . - [ ]`; a lone surrogate is not one (Go would see
 * U+FFFD there).
 */
export function keyCharLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII_KEY[c]!;
  LETTER_OR_NUMBER.lastIndex = i;
  if (!LETTER_OR_NUMBER.test(text)) return 0;
  return LETTER_OR_NUMBER.lastIndex - i;
}

/**
 * Interpolation names are `(?i)[_a-z][_a-z0-9]*` in Go's RE2, and case folding there pulls in U+017F (ſ, folds to s)
 * and U+212A (Kelvin sign, folds to k). Compose really reads `$ſ` as a variable, so this does too.
 */
export function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 0x17f || c === 0x212a;
}

export function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** How a character is named in an error message: quoted, with invisible ones escaped. Never more than one. */
export function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfeff)
    return `"\\u${cp.toString(16).padStart(4, '0')}"`;
  return JSON.stringify(String.fromCodePoint(cp));
}
