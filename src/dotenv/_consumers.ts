/**
 * How readers other than Compose take one line the writer produced, so the report can say who would see a
 * different value. Each model covers only the two forms the writer emits (`KEY='…'` and `KEY="…"` on one line).
 */
import { isNpmDotenvKey } from './key.ts';

export type Consumer = 'dotenv' | 'raw';

/**
 * npm `dotenv` (`parse`, default parser): keys `[\w.-]+` only (a line with another key is skipped); the quotes are
 * stripped; inside double quotes only `\n` and `\r` are expanded, every other backslash stays. Checked against the
 * real package by the round-trip property test.
 */
export function npmDotenvProblem(key: string, value: string, quoted: string, double: boolean): string | undefined {
  if (!isNpmDotenvKey(key)) {
    const skipped = 'npm dotenv skips the line: it reads only keys made of A-Z a-z 0-9 _ . -';
    // Its line regex takes U+2028/U+2029 for line ends; once it has skipped the key, text after one is a new line.
    return /[\u2028\u2029]/.test(value)
      ? `${skipped}, and may read the text after a U+2028/U+2029 in the value as another entry, setting or overriding a key`
      : skipped;
  }
  // dotenv fills a plain object with `obj[key] = value`: for this key that is the prototype setter, and it is lost.
  if (key === '__proto__') return 'npm dotenv loses a key named __proto__';
  if (!double) return undefined;
  const read = quoted.slice(1, -1).replace(/\\n/g, '\n').replace(/\\r/g, '\r');
  if (read === value) return undefined;
  const escaped = ['\\', '"', '$'].filter((c) => value.includes(c)).join(' ');
  return `npm dotenv expands only \\n and \\r inside double quotes, so it misreads the escaped ${escaped}`;
}

/**
 * Raw readers (Compose `format: raw`, `docker run --env-file`, Swarm env files) take everything after the first `=`
 * verbatim, so the quotes the writer always adds become part of the value.
 */
export function rawProblem(value: string): string {
  const base = 'raw env-file readers (docker --env-file, Swarm) keep the quotes as part of the value';
  return /[\r\n]/.test(value) ? `${base}, and cannot hold a line break at all` : base;
}
