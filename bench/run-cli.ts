/**
 * Start-up cost of `envplane run` against a bare `node -e 0` and the two tools people use for the same job
 * (dotenvx, dotenv-cli), interleaved in one loop, with the floor of any Node wrapper (start, spawn, wait) and envplane
 * with its caches off beside them. Target: envplane ≤ 2.2× bare node.
 * Run alone with `node --import tsx bench/run-cli.ts` (after `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Row, timeCommands } from './_measure.ts';
import { FOUR_PLANES_SECRETS } from '../test/run/_project.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 21;
const TARGET = 2.2;

export async function benchRun(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'envplane-bench-run-'));
  try {
    cpSync(join(REPO, 'examples', 'four-planes'), dir, { recursive: true });
    for (const name of FOUR_PLANES_SECRETS)
      writeFileSync(join(dir, 'secrets', `${name}.txt`), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    // The peers get the same config the backend receives, as one plain .env file.
    const envFile = join(dir, 'bench.env');
    writeFileSync(
      envFile,
      ['common', 'dev'].map((f) => readFileSync(join(dir, 'config', `${f}.env`), 'utf8')).join('\n'),
    );
    const node = process.execPath;
    const bin = (name: string) => join(REPO, 'node_modules', '.bin', name);
    const dotenvCli = join(REPO, 'node_modules', 'dotenv-cli', 'cli.js');
    // The floor for any wrapper written in Node: start, spawn the child with inherited stdio, pass its exit code on.
    const floor = join(dir, 'node-wrapper-floor.cjs');
    writeFileSync(
      floor,
      "require('node:child_process').spawn(process.argv[2], process.argv.slice(3), { stdio: 'inherit' }).on('exit', (c) => process.exit(c ?? 1));\n",
    );
    // envplane's caches (manifest, compiled code) in a folder of this run, warmed by one untimed start, as a user's
    // are after their first `run`; the cold figure is measured with the caches off.
    const cache = { XDG_CACHE_HOME: join(dir, '.cache') };
    const envplaneRun = [node, join(REPO, 'dist', 'cli.cjs'), 'run', '--env', 'development', '--service', 'backend'];
    const child = ['--', node, '-e', '0'];
    spawnSync(envplaneRun[0]!, [...envplaneRun.slice(1), ...child], { cwd: dir, env: { ...process.env, ...cache } });
    const commands = [
      { name: 'envplane run', argv: [...envplaneRun, ...child], cwd: dir, env: cache },
      { name: 'node -e 0 (bare)', argv: [node, '-e', '0'], cwd: dir },
      { name: 'Node wrapper floor', argv: [node, floor, node, '-e', '0'], cwd: dir },
      {
        name: 'envplane run, caches off',
        argv: [...envplaneRun, ...child],
        cwd: dir,
        env: { ...cache, ENVPLANE_NO_CACHE: '1' },
      },
      { name: 'dotenvx run', argv: [bin('dotenvx'), 'run', '-q', '-f', envFile, '--', node, '-e', '0'], cwd: dir },
      // node_modules/.bin/dotenv is the `dotenv` package's own CLI (both packages claim the name); dotenv-cli's
      // binary is called by its path. Both are measured.
      { name: 'dotenv-cli', argv: [dotenvCli, '-e', envFile, '--', node, '-e', '0'], cwd: dir },
      {
        name: 'dotenv run (dotenv 18)',
        argv: [bin('dotenv'), 'run', '-q', '-f', envFile, '--', node, '-e', '0'],
        cwd: dir,
      },
    ];
    const samples = timeCommands(commands, RUNS);
    const [ours, bare, wrapper, cold, ...peers] = samples as [
      (typeof samples)[0],
      (typeof samples)[0],
      (typeof samples)[0],
      (typeof samples)[0],
      ...typeof samples,
    ];
    const times = (s: (typeof samples)[0]) => `${(median(s.ms) / median(bare.ms)).toFixed(2)}×`;
    const ratio = median(ours.ms) / median(bare.ms);
    const cpu = commands.map((c) => ({
      name: c.name,
      ms: childCpuMs(c.argv, dir, { ...process.env, ...c.env }, RUNS),
    }));
    const cpuBare = cpu[1]!.ms;
    return [
      {
        benchmark: '`run -- node -e 0` (backend, 5 secret files)',
        ours,
        peers: [bare, wrapper, cold, ...peers],
        notes: [
          `envplane ÷ bare node = ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'NOT met'})`,
          `Node wrapper floor ${times(wrapper)}, envplane with caches off ${times(cold)} (÷ bare node)`,
          `envplane − floor = ${(median(ours.ms) - median(wrapper.ms)).toFixed(1)} ms`,
          `${RUNS} interleaved runs each`,
          `CPU per run (user+sys, robust on a busy machine): ${cpu.map((c) => `${c.name} ${c.ms.toFixed(0)} ms (${(c.ms / cpuBare).toFixed(2)}×)`).join(', ')}`,
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchRun()) {
    const line = (s: { name: string; ms: number[] }) =>
      `${s.name.padEnd(20)} median ${median(s.ms).toFixed(1)} ms  (min ${Math.min(...s.ms).toFixed(1)}, max ${Math.max(...s.ms).toFixed(1)})`;
    process.stdout.write(`${row.benchmark}\n  ${line(row.ours)}\n${row.peers.map((p) => `  ${line(p)}`).join('\n')}\n`);
    for (const note of row.notes ?? []) process.stdout.write(`  ${note}\n`);
  }
}

/**
 * CPU time (user + system) of a command's whole process tree per run, from the kernel's accounting of waited-for
 * children (/proc/self/stat cutime + cstime): unlike wall time it hardly moves when other jobs share the machine.
 */
function childCpuMs(argv: string[], cwd: string, env: NodeJS.ProcessEnv, runs: number): number {
  const ticks = () => {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[13]) + Number(fields[14]); // cutime, cstime (fields 16 and 17 of stat)
  };
  const before = ticks();
  for (let i = 0; i < runs; i++) spawnSync(argv[0]!, argv.slice(1), { cwd, env, stdio: 'ignore' });
  return ((ticks() - before) * 10) / runs; // USER_HZ is 100 on Linux
}
