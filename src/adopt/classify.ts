/**
 * Which plane a key probably belongs to, from its name and (optionally) its value, with the reason in words so the
 * user can correct it. Used by `init --from-existing` and `migrate`. Never returns or quotes the value. Pure.
 */
import { credentialIn } from '../credentials.ts';
import type { Plane } from '../manifest/types.ts';

export interface Classification {
  plane: Plane;
  /** Why, in a few words that name the evidence (a word of the name, a prefix, the shape of the value). */
  reason: string;
  /** False when nothing decided it: a TTY asks, otherwise it stays config with a warning. */
  certain: boolean;
}

/** Prefixes that bundlers inline into browser code: whatever they hold is public. */
const PUBLIC_PREFIXES = ['VITE_', 'NEXT_PUBLIC_', 'REACT_APP_', 'NUXT_PUBLIC_', 'EXPO_PUBLIC_', 'GATSBY_', 'PUBLIC_'];

/** Whole words of a name that mark a secret (`KEY` as a word: `API_KEY`, not `KEYBOARD_LAYOUT`). */
const SECRET_WORDS = new Set([
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'PWD',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'TOKENS',
  'KEY',
  'KEYS',
  'APIKEY',
  'PRIVATE',
  'CREDENTIAL',
  'CREDENTIALS',
  'CREDS',
]);

/** Words that hint at a secret without settling it: the user decides. */
const DOUBTFUL_WORDS = new Set([
  'AUTH',
  'CERT',
  'SALT',
  'SIGNING',
  'SIGNATURE',
  'DSN',
  'WEBHOOK',
  'HASH',
  'OTP',
  'PIN',
]);

/**
 * Words that, after a secret word, make the name about a property of the secret rather than the secret itself:
 * `ACCESS_TOKEN_EXPIRE_MINUTES`, `POSTGRES_PASSWORD_FILE`, `PASSWORD_MIN_LENGTH`, `TOKEN_URL`.
 */
const PROPERTY_WORDS = new Set(
  (
    'FILE PATH DIR EXPIRE EXPIRES EXPIRY EXPIRATION TTL LIFETIME MINUTES SECONDS HOURS DAYS TIMEOUT LENGTH SIZE ' +
    'ALGORITHM ALG TYPE HEADER NAME URL URI ENDPOINT ISSUER AUDIENCE ENABLED DISABLED COUNT MAX MIN LIMIT PREFIX ' +
    'VERSION FORMAT REGION MODE POLICY LOCATION ROTATION'
  ).split(' '),
);

/** Public halves of key pairs. */
const PUBLIC_WORDS = new Set(['PUBLIC', 'PUBLISHABLE']);

/** Well-known token formats (prefix → what it is). */
const TOKEN_SHAPES: [RegExp, string][] = [
  [/^-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/^sk-[A-Za-z0-9_-]{16,}/, 'an sk- API key'],
  [/^sk_(live|test)_[A-Za-z0-9]{10,}/, 'a Stripe secret key'],
  [/^gh[pousr]_[A-Za-z0-9]{20,}/, 'a GitHub token'],
  [/^github_pat_[A-Za-z0-9_]{20,}/, 'a GitHub token'],
  [/^xox[abpr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/^AKIA[0-9A-Z]{16}$/, 'an AWS access key id'],
  [/^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, 'a JWT'],
  [/^glpat-[A-Za-z0-9_-]{20}/, 'a GitLab token'],
];

/** The words of a name: `postgresPassword`, `POSTGRES_PASSWORD`, `postgres-password` → POSTGRES, PASSWORD. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase());
}

export function classifyKey(name: string, value?: string): Classification {
  const upper = name.toUpperCase();
  const prefix = PUBLIC_PREFIXES.find((p) => upper.startsWith(p));
  // Credentials inside a value (a URL's userinfo, a connection string's Password=) decide before any word of the
  // name: REDIS_URL or TOKEN_URL holding `redis://:PASS@host` is a secret whatever it is called.
  const credential = value === undefined || value === '' ? undefined : credentialIn(value);
  if (prefix && credential)
    return {
      plane: 'public',
      reason: `prefix ${prefix} is inlined into browser bundles, yet the value holds ${credential}`,
      certain: false,
    };
  if (prefix) return { plane: 'public', reason: `prefix ${prefix} is inlined into browser bundles`, certain: true };
  if (credential) return { plane: 'secret', reason: `the value holds ${credential}`, certain: true };

  const words = nameWords(name);
  const at = words.findIndex((w) => SECRET_WORDS.has(w));
  const secretWord = at === -1 ? undefined : words[at];
  const property = at === -1 ? undefined : words.slice(at + 1).find((w) => PROPERTY_WORDS.has(w));
  if (secretWord && property)
    return {
      plane: 'config',
      reason: `the name is about a ${secretWord}'s ${property}, not the ${secretWord} itself`,
      certain: true,
    };
  if (secretWord && words.some((w) => PUBLIC_WORDS.has(w)))
    return { plane: 'config', reason: 'the name says it is the public half of a key pair', certain: true };
  if (secretWord) return { plane: 'secret', reason: `the name contains the word ${secretWord}`, certain: true };

  if (value !== undefined && value !== '') {
    const shape = valueShape(value);
    if (shape) return { plane: 'secret', reason: `the value looks like ${shape}`, certain: true };
  }
  const doubtful = words.find((w) => DOUBTFUL_WORDS.has(w));
  if (doubtful) return { plane: 'config', reason: `the word ${doubtful} may or may not mark a secret`, certain: false };
  return { plane: 'config', reason: 'neither the name nor the value looks secret', certain: true };
}

/** What makes a value look secret, or undefined. Values are only inspected, never returned. */
export function valueShape(value: string): string | undefined {
  for (const [pattern, what] of TOKEN_SHAPES) if (pattern.test(value)) return what;
  const credential = credentialIn(value);
  if (credential) return credential;
  if (looksRandom(value)) return 'a long random string';
  return undefined;
}

/** Long, unbroken and high-entropy, with mixed character classes: the shape of generated keys. */
function looksRandom(value: string): boolean {
  if (value.length < 24 || /\s/.test(value) || /^[a-z]+:\/\//i.test(value) || value.startsWith('/')) return false;
  // `Server=db;Database=app;…` is structure: its credential parts, if any, are judged by credentialIn.
  const eq = value.indexOf('=');
  if (eq > 0 && value.indexOf(';', eq) !== -1 && /^[A-Za-z]/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((c) => c.test(value)).length;
  if (classes < 2) return false;
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits >= 4;
}
