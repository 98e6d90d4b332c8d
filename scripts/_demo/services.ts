/**
 * Starting the example's programs as a user would, under `envplane run` with `--pristine` (so what a program sees
 * is the bundle plus PATH and HOME, nothing inherited), and asking each one what it was given.
 */
import type { InstanceReport, Probe } from './isolation.ts';
import { childrenOf, type Processes, type Started } from './processes.ts';
import { dim, say, shown } from './transcript.ts';

export interface Launch {
  cli: string;
  cwd: string;
  environment: string;
  processes: Processes;
}

export interface RunningService {
  instance: string;
  run: Started;
  port: number;
}

function runArgs(launch: Launch, service: string, tenant: string | undefined, program: string[]): string[] {
  return [
    'run',
    '--env',
    launch.environment,
    '--service',
    service,
    ...(tenant ? ['--tenant', tenant] : []),
    '--pristine',
    '--',
    'node',
    ...program,
  ];
}

/** Runs `envplane run … -- node <program>` in the background and waits for its `LISTENING <port>` line. */
export async function startService(
  launch: Launch,
  service: string,
  tenant: string | undefined,
  program: string,
): Promise<RunningService> {
  const instance = tenant ? `${service}@${tenant}` : service;
  const args = runArgs(launch, service, tenant, [program]);
  say(`${dim('$')} envplane ${shown(args)} &`);
  const run = launch.processes.start(instance, process.execPath, [launch.cli, ...withNode(args)], {
    cwd: launch.cwd,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1' },
    echo: (line) => say(dim(`  [${instance}] ${line}`)),
  });
  const match = await launch.processes.waitFor(run, /^LISTENING (\d+)$/m, 15_000);
  if (run.child.pid !== undefined) for (const pid of childrenOf(run.child.pid)) launch.processes.pids.add(pid);
  return { instance, run, port: Number(match[1]) };
}

/** POST /report with the probe; the pid in the answer is recorded so the demo can prove it is gone later. */
export async function askService(launch: Launch, service: RunningService, probe: Probe): Promise<InstanceReport> {
  const response = await fetch(`http://127.0.0.1:${service.port}/report`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(probe),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${service.instance}: /report answered ${response.status}`);
  const report = (await response.json()) as InstanceReport;
  launch.processes.pids.add(report.pid);
  return report;
}

/**
 * Runs a one-shot program (the frontend build, the migration) under `envplane run` and waits for it; `input` goes
 * to its stdin. REPORT lines are shortened in the transcript (they are read from `stdout`).
 */
export async function runOnce(
  launch: Launch,
  service: string,
  program: string[],
  input = '',
): Promise<{ code: number; stdout: string }> {
  const args = runArgs(launch, service, undefined, program);
  say(`${dim('$')} envplane ${shown(args)}`);
  const run = launch.processes.start(service, process.execPath, [launch.cli, ...withNode(args)], {
    cwd: launch.cwd,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1' },
    input,
    echo: (line) => say(dim(`  [${service}] ${line.startsWith('REPORT ') ? 'REPORT {…}' : line}`)),
  });
  const code = await run.exited;
  say(dim(`  (exit ${code})`));
  return { code, stdout: run.stdout };
}

/** The JSON after `<tag> ` on the first line that starts with it. */
export function taggedJson<T>(stdout: string, tag: string): T | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${tag} `));
  return line === undefined ? undefined : (JSON.parse(line.slice(tag.length + 1)) as T);
}

/** The transcript says `node`; the demo runs the very Node it runs on (PATH is minimal under --pristine). */
function withNode(args: string[]): string[] {
  const at = args.indexOf('--');
  return args.map((a, i) => (i === at + 1 && a === 'node' ? process.execPath : a));
}
