/**
 * The shapes a secret takes in output besides itself: a program that logs a Basic-auth header, a URL query or a JSON
 * document prints the value base64-, URL- or JSON-encoded. Pure: text in, strings out.
 */

/**
 * Encoded forms shorter than this are left out: the base64 of a three-letter value is four common characters, and
 * redacting it everywhere would garble output without protecting anything the raw form does not.
 */
export const MIN_ENCODED_LENGTH = 8;

/** The value itself, then its base64 (padded, unpadded, URL-safe), URL-encoded and JSON-escaped forms, each once. */
export function secretForms(value: string): string[] {
  if (value === '') return [];
  const base64 = toBase64(new TextEncoder().encode(value));
  const unpadded = base64.replace(/=+$/, '');
  const encoded = [
    base64,
    unpadded,
    unpadded.replaceAll('+', '-').replaceAll('/', '_'),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
  ].filter((form) => form.length >= MIN_ENCODED_LENGTH);
  return [...new Set([value, ...encoded])];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64 (RFC 4648), written out so the module needs neither Buffer nor btoa's Latin-1 quirks. */
function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : ALPHABET[c & 63]!;
  }
  return out;
}
