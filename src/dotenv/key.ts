import { keyCharLength } from './_chars.ts';

/**
 * Whether `key` can be written as a `.env` key that Compose reads back as exactly `key`: not empty, and only
 * letters and digits (any script) and `_ . - [ ]`. Compose itself also tolerates tabs and other blanks inside a key,
 * and an empty key; a writer never produces those.
 */
export function isValidDotenvKey(key: string): boolean {
  return typeof key === 'string' && key.length > 0 && firstInvalidKeyChar(key) === -1;
}

/** Index of the first character that may not be part of a key, or -1. */
export function firstInvalidKeyChar(key: string): number {
  for (let i = 0; i < key.length; ) {
    const len = keyCharLength(key, i);
    if (len === 0) return i;
    i += len;
  }
  return -1;
}

/** npm `dotenv` reads only ASCII keys: `[\w.-]+`. */
export function isNpmDotenvKey(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
    if (!ok) return false;
  }
  return key.length > 0;
}
