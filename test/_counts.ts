/**
 * Counts for `npm run test:deep`: when ENVPLANE_COUNTS names a file, a test appends one JSON line per thing it
 * counted (round trips, kills, canary paths, hostile inputs) and how many of them failed. scripts/test-deep.mjs sums
 * them and checks the floors. Without the variable this does nothing, so the normal run is unchanged.
 */
import { appendFileSync } from 'node:fs';

export type CountName = 'roundtrip' | 'kills' | 'canary' | 'hostile' | 'signals' | 'faults';

export function count(name: CountName, n: number, failures = 0, source = ''): void {
  const file = process.env.ENVPLANE_COUNTS;
  if (!file) return;
  // One short line per call: appends of this size are atomic, so parallel test files cannot interleave them.
  appendFileSync(file, `${JSON.stringify({ name, n, failures, source })}\n`);
}

/** Runs `body`; counts `n` with no failure when it returns, or with one failure (and rethrows) when it throws. */
export function counted<T>(name: CountName, n: number, source: string, body: () => T): T {
  try {
    const out = body();
    count(name, n, 0, source);
    return out;
  } catch (err) {
    count(name, n, 1, source);
    throw err;
  }
}
