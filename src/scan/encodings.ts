/**
 * The byte strings a leaked value can appear as — the one list `scan` searches for and `run --redact` replaces, so
 * that what one finds the other hides (`test/scan/encodings-shared.test.ts` runs both over one table):
 *
 * - itself;
 * - JSON-escaped as a string literal: the plain escape, the ASCII-only forms (`\u00fc`, lower- and upper-case hex, as
 *   Python's `json.dumps` and others write non-ASCII) and each with `/` written `\/` (PHP);
 * - URL-encoded: `encodeURIComponent`, RFC 3986 strict, form encodings (`+` for spaces), upper- and lower-case hex;
 * - base64, standard and URL-safe: the whole encoding of the value on its own (padded and unpadded), and the core
 *   at each of the three alignments it can take inside a longer blob — so `base64("user:" + value)` (a Basic-auth
 *   header) or a value in the middle of a JSON blob is found whatever precedes it.
 *
 * Encoded forms shorter than `MIN_ENCODED_LENGTH` are left out (the base64 of a three-letter value is four common
 * characters). Each form is searched for; none is ever shown.
 */

export type Encoding = 'literal' | 'json' | 'url' | 'base64' | 'base64url';

export interface EncodedForm {
  encoding: Encoding;
  bytes: Uint8Array;
}

/** Encoded forms (not the value itself) shorter than this many bytes are not produced. */
export const MIN_ENCODED_LENGTH = 8;

const utf8 = new TextEncoder();
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Every distinct form of `value`, the plainest first (a form equal to an earlier one is dropped). */
export function encodedForms(value: string): EncodedForm[] {
  if (value === '') return [];
  const bytes = utf8.encode(value);
  const candidates: { encoding: Encoding; text: string }[] = [{ encoding: 'literal', text: value }];
  for (const text of jsonForms(value)) candidates.push({ encoding: 'json', text });
  for (const text of urlForms(value)) candidates.push({ encoding: 'url', text });
  const whole = base64Whole(bytes);
  const unpadded = whole.replace(/=+$/, '');
  candidates.push({ encoding: 'base64', text: whole }, { encoding: 'base64', text: unpadded });
  candidates.push({ encoding: 'base64url', text: toUrlSafe(unpadded) });
  for (const alignment of [0, 1, 2] as const) {
    const core = base64Core(bytes, alignment);
    if (core === '') continue;
    candidates.push({ encoding: 'base64', text: core });
    candidates.push({ encoding: 'base64url', text: toUrlSafe(core) });
  }
  const seen = new Set<string>();
  const forms: EncodedForm[] = [];
  for (const c of candidates) {
    if (seen.has(c.text)) continue;
    if (c.encoding !== 'literal' && utf8.encode(c.text).length < MIN_ENCODED_LENGTH) continue;
    seen.add(c.text);
    forms.push({ encoding: c.encoding, bytes: utf8.encode(c.text) });
  }
  return forms;
}

/** The distinct texts of `encodedForms`, for callers that work on strings. */
export function encodedTexts(value: string): string[] {
  const decoder = new TextDecoder();
  return encodedForms(value).map((f) => decoder.decode(f.bytes));
}

/** `JSON.stringify`'s escape; the same with every code unit above 0x7f as `\uXXXX` (both cases); each with `\/`. */
function jsonForms(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const ascii = (upper: boolean) =>
    plain.replace(/[^\u0000-\u007f]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    });
  return [plain, ascii(false), ascii(true)].flatMap((t) => [t, t.replaceAll('/', '\\/')]);
}

/**
 * `encodeURIComponent`, the stricter RFC 3986 form that also escapes `!'()*`, the form encoding of spaces as `+`,
 * the WHATWG form encoding (`URLSearchParams`), each with upper- and lower-case hex digits.
 */
function urlForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = strict.replaceAll('%20', '+');
  const whatwg = new URLSearchParams({ v: value }).toString().slice(2); // form encoding as browsers do it: `*` kept
  return [component, strict, form, whatwg].flatMap((t) => [t, t.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())]);
}

function toUrlSafe(text: string): string {
  return text.replaceAll('+', '-').replaceAll('/', '_');
}

/** Standard padded base64 (RFC 4648), written out so the module needs neither Buffer nor btoa's Latin-1 quirks. */
function base64Whole(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += B64[a >> 2]! + B64[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : B64[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : B64[c & 63]!;
  }
  return out;
}

/**
 * The base64 characters that depend on `bytes` alone when they sit `alignment` bytes (mod 3) into a longer stream:
 * the characters that mix in a neighbouring byte at either end are left out, as is padding. For alignment 0 this is
 * also a prefix of the standalone encoding, so a value encoded on its own is found too.
 */
export function base64Core(bytes: Uint8Array, alignment: 0 | 1 | 2): string {
  const padded = new Uint8Array(alignment + bytes.length);
  padded.set(bytes, alignment);
  let out = '';
  for (let i = 0; i < padded.length; i += 3) {
    const a = padded[i]!;
    const b = padded[i + 1] ?? 0;
    const c = padded[i + 2] ?? 0;
    out += B64[a >> 2]! + B64[((a & 3) << 4) | (b >> 4)]! + B64[((b & 15) << 2) | (c >> 6)]! + B64[c & 63]!;
  }
  const skip = [0, 2, 3][alignment]!;
  const total = padded.length;
  const tail = total % 3;
  const keep = Math.floor(total / 3) * 4 + [0, 1, 2][tail]!;
  return keep > skip ? out.slice(skip, keep) : '';
}
