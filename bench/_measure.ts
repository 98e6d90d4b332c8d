/**
 * Timing helpers shared by every benchmark. Peers run interleaved in the same loop (A, B, A, B, …) so that noise on
 * this shared machine hits both sides alike; results are reported as ratios of medians, with min and max.
 */
import { spawnSync } from 'node:child_process';

export interface Sample {
  name: string;
  ms: number[];
}

export interface Row {
  /** What is measured, e.g. "`.env` parse, 10 MB". */
  benchmark: string;
  ours: Sample;
  peers: Sample[];
  /** Extra facts for the table: throughput, peak memory, target. */
  notes?: string[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs each command `runs` times, interleaved (rotating the order); wall times in ms. A failure aborts the bench. */
export function timeCommands(
  commands: { name: string; argv: string[]; cwd?: string; env?: Record<string, string | undefined> }[],
  runs: number,
): Sample[] {
  const samples = commands.map((c) => ({ name: c.name, ms: [] as number[] }));
  for (let i = 0; i < runs; i++) {
    // Each round starts one command later, so no command always follows the same (perhaps heavy) one.
    commands.forEach((_, k) => {
      const j = (i + k) % commands.length;
      const c = commands[j]!;
      const start = process.hrtime.bigint();
      const r = spawnSync(c.argv[0]!, c.argv.slice(1), {
        cwd: c.cwd,
        env: { ...process.env, ...c.env },
        stdio: 'pipe',
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`bench command failed (${c.name}): ${r.stderr?.toString().slice(0, 500)}`);
      samples[j]!.ms.push(ms);
    });
  }
  return samples;
}

/** Times in-process functions, interleaved. */
export function timeFunctions(fns: { name: string; fn: () => unknown }[], runs: number): Sample[] {
  const samples = fns.map((f) => ({ name: f.name, ms: [] as number[] }));
  for (let i = 0; i < runs; i++)
    fns.forEach((f, j) => {
      const start = process.hrtime.bigint();
      f.fn();
      samples[j]!.ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  return samples;
}
