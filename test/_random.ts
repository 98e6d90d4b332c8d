/** A fixed-seed generator (mulberry32) for tests and benchmarks: the same sequence for the same seed, every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of this process's test randomness: ENVPLANE_TEST_SEED, or a fixed default, so that a value an assertion
 * depends on is the same on every run (a fresh `randomBytes` made `looksRandom` false about once in thirty runs).
 * Printed once per test file that draws, so a run with another seed can be replayed.
 */
export const TEST_SEED = Number(process.env.ENVPLANE_TEST_SEED ?? 20_261_208) >>> 0;

let shared: (() => number) | undefined;

/** `n` bytes from the seeded generator (the same bytes in the same order on every run with the same seed). */
export function seededBytes(n: number, next?: () => number): Buffer {
  if (!next && !shared) {
    shared = mulberry32(TEST_SEED);
    console.log(`test randomness: seed ${TEST_SEED} (replay with ENVPLANE_TEST_SEED=${TEST_SEED})`);
  }
  const draw = next ?? shared!;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(draw() * 256);
  return out;
}
