/**
 * Complexity, not speed: how much more work a piece of code does when its input grows eightfold. A linear algorithm
 * takes about 8× as long, a quadratic one 64×, catastrophic backtracking far more. Comparing the machine with
 * itself, within one test, keeps the answer independent of how fast the machine is; the bench measures speed.
 *
 * Time is CPU time, not the wall clock: on a busy machine a run shorter than the scheduler's time slice often
 * finishes in one slice while a longer one waits for several, which made a linear diff look 25× slower for 8× the
 * lines under load. CPU time counts only the work done.
 */
import { readFileSync } from 'node:fs';

/** Eightfold input growth: the sizes a test compares. */
export const GROWTH = 8;

/** Above this ratio the work grew faster than linearly: the log-midpoint between linear (8×) and quadratic (64×). */
export const SUPERLINEAR = 24;

/** Whose CPU time counts: this process's (work done in-process) or its finished children's (a spawned CLI). */
export type Clock = 'self' | 'children';

/** CPU time so far, in a unit that only has to be the same on both sides of a ratio. */
function cpu(clock: Clock): number {
  if (clock === 'self') {
    const used = process.cpuUsage();
    return used.user + used.system;
  }
  // cutime and cstime of /proc/self/stat (fields 16 and 17, clock ticks): children this process has waited for.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

/**
 * The ratio of the least CPU time of `tries` runs of `work` on `make(size * GROWTH)` to the least on `make(size)`;
 * making the input is not counted. Least-of keeps a garbage collection from deciding the answer, and `work` gets a
 * warm-up call first so the compiler's tiers do not either.
 */
export function growthRatio<T>(
  make: (size: number) => T,
  work: (input: T) => void,
  size: number,
  { tries = 3, clock = 'self' }: { tries?: number; clock?: Clock } = {},
): number {
  const least = (input: T) => {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < tries; i++) {
      const started = cpu(clock);
      work(input);
      min = Math.min(min, cpu(clock) - started);
    }
    return min;
  };
  const small = make(size);
  work(small);
  const smallTime = least(small);
  const largeTime = least(make(size * GROWTH));
  if (smallTime <= 0) throw new Error(`the work on ${size} took no measurable CPU time: grow the size`);
  return largeTime / smallTime;
}
