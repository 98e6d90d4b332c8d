/**
 * The byte strings a leaked value can appear as: itself, base64 (standard and URL-safe) at each of the three
 * alignments it can take inside a longer base64 blob, URL-encoded (upper- and lower-case hex), and JSON-escaped
 * (a string literal in a bundle). Each form is searched for; none is ever shown.
 */

export type Encoding = 'literal' | 'json' | 'url' | 'base64' | 'base64url';

export interface EncodedForm {
  encoding: Encoding;
  bytes: Uint8Array;
}

const utf8 = new TextEncoder();
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Every distinct form of `value`, the plainest first (a form equal to an earlier one is dropped). */
export function encodedForms(value: string): EncodedForm[] {
  const bytes = utf8.encode(value);
  const candidates: { encoding: Encoding; text: string }[] = [{ encoding: 'literal', text: value }];
  candidates.push({ encoding: 'json', text: JSON.stringify(value).slice(1, -1) });
  for (const text of urlForms(value)) candidates.push({ encoding: 'url', text });
  for (const alignment of [0, 1, 2] as const) {
    const core = base64Core(bytes, alignment);
    if (core === '') continue;
    candidates.push({ encoding: 'base64', text: core });
    candidates.push({ encoding: 'base64url', text: core.replaceAll('+', '-').replaceAll('/', '_') });
  }
  const seen = new Set<string>();
  const forms: EncodedForm[] = [];
  for (const c of candidates) {
    if (seen.has(c.text)) continue;
    seen.add(c.text);
    forms.push({ encoding: c.encoding, bytes: utf8.encode(c.text) });
  }
  return forms;
}

/**
 * `encodeURIComponent`, the stricter RFC 3986 form that also escapes `!'()*`, the form encoding of spaces as `+`,
 * each with upper- and lower-case hex digits.
 */
function urlForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = strict.replaceAll('%20', '+');
  return [component, strict, form].flatMap((t) => [t, t.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())]);
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
