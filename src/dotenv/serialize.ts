/**
 * Writing `.env` text that Docker Compose reads back byte for byte: one `KEY='value'` or `KEY="value"` per line,
 * always quoted, so no value can start a second key, a comment or an interpolation.
 */
import { EnvplaneError } from '../errors.ts';
import { describeChar } from './_chars.ts';
import { type Consumer, npmDotenvProblem, rawProblem } from './_consumers.ts';
import { quoteValue } from './_quote.ts';
import { firstInvalidKeyChar } from './key.ts';

export type DotenvValues = Record<string, string> | Iterable<readonly [string, string]>;

export interface SerializeWarning {
  key: string;
  /** The readers that would see something other than the original value. */
  consumers: Consumer[];
  reason: string;
}

/**
 * `.env` text for `values`: `parseDotenv(serializeDotenv(v))` deep-equals `v` for every string without NUL. Throws
 * an `input` error for an invalid or repeated key, a non-string value, or a NUL (no process environment can hold one).
 */
export function serializeDotenv(values: DotenvValues): string {
  return render(values, false).text;
}

/**
 * The same text, plus which other readers would take a value differently: npm `dotenv` (ASCII keys only; in double
 * quotes it expands only `\n` and `\r`) and raw readers (`docker run --env-file`, Swarm env files, Compose
 * `format: raw`), which keep the quotes — so every entry carries a `raw` warning.
 */
export function serializeDotenvReport(values: DotenvValues): { text: string; warnings: SerializeWarning[] } {
  return render(values, true);
}

function render(values: DotenvValues, report: boolean): { text: string; warnings: SerializeWarning[] } {
  const warnings: SerializeWarning[] = [];
  const seen = new Set<string>();
  const lines: string[] = [];
  let n = 0;
  for (const [key, value] of pairsOf(values)) {
    n++;
    checkEntry(key, value, n, seen);
    const { quoted, double } = quoteValue(value);
    lines.push(`${key}=${quoted}\n`);
    if (report) {
      const consumers: Consumer[] = [];
      const reasons: string[] = [];
      const dotenv = npmDotenvProblem(key, value, quoted, double);
      if (dotenv !== undefined) {
        consumers.push('dotenv');
        reasons.push(dotenv);
      }
      consumers.push('raw');
      reasons.push(rawProblem(value));
      warnings.push({ key, consumers, reason: reasons.join('; ') });
    }
  }
  return { text: lines.join(''), warnings };
}

function pairsOf(values: DotenvValues): Iterable<readonly [string, string]> {
  if (values === null || typeof values !== 'object')
    throw new EnvplaneError('input', 'dotenv values must be a record or an iterable of [key, value] pairs');
  if (Symbol.iterator in values) return values as Iterable<readonly [string, string]>;
  return Object.entries(values);
}

/** Errors name the entry by position (and by key once the key is known to be valid), never the value. */
function checkEntry(key: unknown, value: unknown, n: number, seen: Set<string>): asserts value is string {
  if (typeof key !== 'string' || key.length === 0)
    throw new EnvplaneError('input', `dotenv entry ${n}: the key is empty or not a string`);
  const bad = firstInvalidKeyChar(key);
  if (bad !== -1)
    throw new EnvplaneError(
      'input',
      `dotenv entry ${n}: the key has ${describeChar(key, bad)} at position ${bad + 1}, which a key cannot hold`,
      { hint: 'keys are letters and digits (any script) and _ . - [ ]' },
    );
  if (seen.has(key)) throw new EnvplaneError('input', `dotenv entry ${n}: key ${key} appears more than once`);
  seen.add(key);
  if (typeof value !== 'string')
    throw new EnvplaneError('input', `dotenv entry ${n} (${key}): the value is not a string`);
  if (value.includes('\0'))
    throw new EnvplaneError('input', `dotenv entry ${n} (${key}): the value contains a NUL character`, {
      hint: 'no process environment can hold a NUL; store such a value as a file secret',
    });
}
