/**
 * Complexity, not speed: how much slower a piece of work gets when its input grows eightfold. A linear algorithm
 * takes about 8× as long, a quadratic one 64×, catastrophic backtracking far more. Comparing the machine with
 * itself, within one test, keeps the answer independent of how fast or busy the machine is; the bench measures speed.
 */

/** Eightfold input growth: the sizes a test compares. */
export const GROWTH = 8;

/** Above this ratio the work grew faster than linearly: the log-midpoint between linear (8×) and quadratic (64×). */
export const SUPERLINEAR = 24;

/**
 * The ratio of the best of `tries` timings of `work` on `make(size * GROWTH)` to the best on `make(size)`; making
 * the input is not timed. Best-of keeps a garbage collection or a neighbour's burst from deciding the answer, and
 * `work` gets a warm-up call first so the compiler's tiers do not either.
 */
export function growthRatio<T>(make: (size: number) => T, work: (input: T) => void, size: number, tries = 3): number {
  const best = (input: T) => {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < tries; i++) {
      const started = performance.now();
      work(input);
      min = Math.min(min, performance.now() - started);
    }
    return min;
  };
  const small = make(size);
  work(small);
  const smallMs = best(small);
  const largeMs = best(make(size * GROWTH));
  return largeMs / Math.max(smallMs, 0.01);
}
