/**
 * Generating secret values from the operating system's CSPRNG (`crypto.randomBytes`, `crypto.randomUUID` only).
 * Passwords pick characters by rejection sampling: a byte that would make `byte % size` favour the first characters
 * is thrown away, so every character of the charset is exactly equally likely.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_PASSWORD_CHARSET } from '../manifest/generate.ts';
import type { GenerateRule } from '../manifest/types.ts';

/** A fresh value for `rule`: `base64:N` as `openssl rand -base64 N` (one line), `hex:N` (2N chars), `password:N`, `uuid` (v4). */
export function generateValue(rule: GenerateRule, random: (size: number) => Uint8Array = randomBytes): string {
  switch (rule.kind) {
    case 'base64':
      return Buffer.from(random(rule.length)).toString('base64');
    case 'hex':
      return Buffer.from(random(rule.length)).toString('hex');
    case 'uuid':
      return randomUUID();
    case 'password':
      return password(rule.length, [...(rule.charset ?? DEFAULT_PASSWORD_CHARSET)], random);
  }
}

/** `length` characters drawn uniformly from `charset` (up to 65 536 characters). */
export function password(length: number, charset: string[], random: (size: number) => Uint8Array): string {
  const size = charset.length;
  if (size < 2 || size > 65_536) throw new RangeError('a password charset needs 2 to 65536 characters');
  // One byte per draw when the charset fits in a byte, else two.
  const width = size <= 256 ? 1 : 2;
  const range = width === 1 ? 256 : 65_536;
  const limit = range - (range % size);
  const out: string[] = [];
  while (out.length < length) {
    const pool = random((length - out.length) * width * 2);
    for (let i = 0; i + width <= pool.length && out.length < length; i += width) {
      const draw = width === 1 ? pool[i]! : pool[i]! * 256 + pool[i + 1]!;
      if (draw < limit) out.push(charset[draw % size]!);
    }
  }
  return out.join('');
}
