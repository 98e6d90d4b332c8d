/**
 * Starting the example's programs as a user would: the long-running services together under `envplane start`, the
 * one-shot programs under `envplane run`, both with `--pristine` (so what a program sees is the bundle plus PATH and
 * HOME, nothing inherited), and asking each one what it was given.
 */
import type { InstanceReport, Probe } from './isolation.ts';
import type { Processes, Started } from './processes.ts';
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

/** One instance that `envplane start` runs: its port, taken from the `launching` event. */
export interface StartedInstances {
  run: Started;
  instances: RunningService[];
}

/**
 * `envplane start --env <env> --pristine --json &`: every service with a `command:` in the manifest (the backend, one
 * ETL worker per tenant, on free ports), each under exactly its bundle. envplane prints where each instance
 * listens and when it is ready (JSON events on stderr); the demo waits for `all-ready`, never for time to pass.
 */
export async function startServices(launch: Launch): Promise<StartedInstances> {
  const args = ['start', '--env', launch.environment, '--pristine', '--json'];
  say(`${dim('$')} envplane ${shown(args)} &`);
  const instances = new Map<string, RunningService>();
  let allReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  const run = launch.processes.start('envplane start', process.execPath, [launch.cli, ...args], {
    cwd: launch.cwd,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1' },
    echo: (line) => {
      if (!line.startsWith('{')) return say(dim(`  ${line}`));
      const event = JSON.parse(line) as { event: string; instance?: string; port?: number; pid?: number };
      if (event.event === 'launching' && event.instance && event.port !== undefined)
        instances.set(event.instance, { instance: event.instance, run, port: event.port });
      if (event.pid !== undefined) launch.processes.pids.add(event.pid);
      if (event.event === 'all-ready') allReady();
      if (['ready', 'exited', 'failed', 'not-ready', 'all-ready'].includes(event.event))
        say(dim(`  envplane: ${event.instance ?? ''} ${event.event}${event.port ? ` (port ${event.port})` : ''}`));
    },
  });
  await Promise.race([
    ready,
    run.exited.then((code) => {
      throw new Error(`envplane start exited (${code}) before every instance was ready`);
    }),
  ]);
  return { run, instances: [...instances.values()] };
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
