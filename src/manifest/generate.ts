/** The generation rule of a secret: `base64:32` (the default, as `openssl rand -base64 32`), `hex:N`, `password:N`, `uuid`. */
import { suggest } from './_suggest.ts';
import type { GenerateRule } from './types.ts';

export const DEFAULT_GENERATE: GenerateRule = { kind: 'base64', length: 32 };

/** Letters and digits plus punctuation that needs no quoting in shells, URLs or .env files. */
export const DEFAULT_PASSWORD_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';

const DEFAULT_LENGTH = { base64: 32, hex: 32, password: 32, uuid: 16 } as const;

/** Parses the short form; returns an error text instead of throwing so the caller can locate it. */
export function parseGenerate(
  written: string | { kind: GenerateRule['kind']; length?: number; charset?: string },
): GenerateRule | string {
  const rule: GenerateRule =
    typeof written === 'string' ? (fromShortForm(written) ?? { kind: 'base64', length: -1 }) : toRule(written);
  if (rule.length === -1) return `${shownRule(written as string)} is not a generation rule`;
  if (typeof written !== 'string' && written.charset !== undefined && written.kind !== 'password')
    return 'only `password` rules take a charset';
  if (rule.charset !== undefined && new Set(rule.charset).size !== [...rule.charset].length)
    return 'the charset repeats a character, which would bias the generator';
  const bits = entropyBits(rule);
  if (bits < 128) return `${describe(rule)} carries ${Math.floor(bits)} bits of randomness; at least 128 are required`;
  return rule;
}

/** The text quoted back only when it is a misspelt rule (`hexx:16`, `hex:abc`), never a value pasted there. */
function shownRule(text: string): string {
  const kind = text.split(':')[0] ?? '';
  return text.length <= 80 && suggest(kind, KINDS) !== undefined ? `"${text}"` : 'this';
}

const KINDS = ['base64', 'hex', 'password', 'uuid'];

function fromShortForm(text: string): GenerateRule | undefined {
  const match = /^(base64|hex|password|uuid)(?::(\d{1,5}))?(?::(.+))?$/.exec(text);
  if (!match) return undefined;
  const kind = match[1] as GenerateRule['kind'];
  if (kind === 'uuid' && match[2]) return undefined;
  // Only passwords have an alphabet: `hex:abc` is a typo, not a charset.
  if (kind !== 'password' && match[3] !== undefined) return undefined;
  return toRule({ kind, length: match[2] ? Number(match[2]) : undefined, charset: match[3] });
}

function toRule(written: { kind: GenerateRule['kind']; length?: number | undefined; charset?: string | undefined }) {
  const rule: GenerateRule = { kind: written.kind, length: written.length ?? DEFAULT_LENGTH[written.kind] };
  if (written.kind === 'uuid') rule.length = 16;
  if (written.kind === 'password') rule.charset = written.charset ?? DEFAULT_PASSWORD_CHARSET;
  return rule;
}

/** Bits of randomness a generated value carries (uuid v4 has 122 random bits, accepted as the standard form). */
export function entropyBits(rule: GenerateRule): number {
  switch (rule.kind) {
    case 'base64':
    case 'hex':
      return rule.length * 8;
    case 'uuid':
      return 128;
    case 'password':
      return rule.length * Math.log2([...(rule.charset ?? DEFAULT_PASSWORD_CHARSET)].length);
  }
}

export function describe(rule: GenerateRule): string {
  return rule.kind === 'uuid' ? 'uuid' : `${rule.kind}:${rule.length}`;
}
