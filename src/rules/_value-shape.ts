/**
 * Judging a value without revealing it: is it a known placeholder, does it look like a credential, how much
 * randomness can it carry. Called by `project/facts.ts`, which hands rules only the booleans and numbers.
 * Every pattern here is anchored and free of nested quantifiers, so a 10 MB value costs linear time.
 */

import { credentialIn } from '../credentials.ts';

/** Defaults and template words people leave in place (the seeds' `pulse`, `change-me`, `your_postgres_password`). */
const PLACEHOLDERS = new Set([
  'changeme',
  'change-me',
  'change_me',
  'changeit',
  'password',
  'passw0rd',
  'p@ssw0rd',
  'secret',
  'default',
  'example',
  'test',
  'testing',
  'admin',
  'root',
  'postgres',
  'mysql',
  'guest',
  'letmein',
  'qwerty',
  '123456',
  '12345678',
  '1234',
  'todo',
  'tbd',
  'fixme',
  'placeholder',
  'dummy',
  'none',
  'null',
  'pulse',
]);

const PLACEHOLDER_SHAPES = [
  /^your[_-]/, // your_postgres_password, your-aws-access-key-id
  /^sk-your[_-]/,
  /[_-]here$/,
  /^<[^<>]*>$/, // <base64-encoded-password>
  /^x{3,}$/,
  /^\*{3,}$/,
  /^replace[_-]?me/,
  /^insert[_-]/,
  /^generate with[: ]/,
];

/** `projectName` and `keyName` count too: `POSTGRES_PASSWORD=pulse` in project pulse. */
export function isPlaceholder(value: string, projectName: string, keyName: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === '') return false;
  if (PLACEHOLDERS.has(v) || v === projectName.toLowerCase() || v === keyName.toLowerCase()) return true;
  return PLACEHOLDER_SHAPES.some((re) => re.test(v));
}

const TOKEN_SHAPES = [
  /^(sk|pk|rk)_(live|test)_[A-Za-z0-9]{10,}/, // Stripe
  /^sk-[A-Za-z0-9_-]{20,}/, // OpenAI and alike
  /^gh[pousr]_[A-Za-z0-9]{30,}/, // GitHub
  /^github_pat_[A-Za-z0-9_]{20,}/,
  /^glpat-[A-Za-z0-9_-]{20,}/, // GitLab
  /^xox[abposr]-[A-Za-z0-9-]{10,}/, // Slack
  /^AKIA[0-9A-Z]{16}$/, // AWS access key id
  /^AIza[0-9A-Za-z_-]{35}$/, // Google API key
  /^eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./, // JWT
  /-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----/,
];

/** Bits per character of the value's own character distribution (Shannon). */
function shannon(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  const n = [...value].length;
  for (const count of counts.values()) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A known token shape, a URL with credentials, or a long random-looking base64/hex string. */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 8) return false;
  if (TOKEN_SHAPES.some((re) => re.test(value))) return true;
  if (credentialIn(value) !== undefined) return true; // a URL's password, a connection string's Password=
  if (value.length >= 32 && /^[0-9a-fA-F]+$/.test(value)) return shannon(value) >= 3;
  if (value.length >= 24 && /^[A-Za-z0-9+/=_-]+$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value))
    return shannon(value) >= 4;
  return false;
}

/** length × log2(distinct characters): how much randomness the value could carry at most. */
export function estimatedBits(value: string): number {
  const chars = [...value];
  const distinct = new Set(chars).size;
  return distinct <= 1 ? 0 : chars.length * Math.log2(distinct);
}
