/**
 * `npm start`: the second seed's platform, live. On a fresh copy of examples/service-scoped/ in a temporary folder
 * it runs the CLI calls a user would make — check, migrate, setup, check, render — then starts the services for
 * real under `envplane run` (backend, one ETL worker per tenant, the frontend build), asks each one what it was
 * given, and runs the backend's database migration against a throwaway PostgreSQL. Every command is printed before
 * it runs; a command that has not landed yet is reported as such, never imitated. Whatever happens (failure,
 * Ctrl-C), every process it started is stopped and every temporary file removed.
 *
 *   node --import tsx scripts/demo.ts [--json-summary <file>]
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Processes } from './_demo/processes.ts';
import { bold, dim, green, availableCommands, heading, red, say, type Shell, yellow } from './_demo/transcript.ts';
import { type DemoState, type Outcome, type StepStatus, steps } from './_demo/steps.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(REPO, 'dist', 'cli.cjs');
const EXAMPLE = join(REPO, 'examples', 'service-scoped');
const DEADLINE_MS = 120_000;
const COMMANDS = [
  'check',
  'explain',
  'migrate',
  'setup',
  'rotate',
  'render',
  'run',
  'start',
  'verify',
  'scan',
] as const;

const USAGE = `usage: node --import tsx scripts/demo.ts [--json-summary <file>]   (npm start runs it after a build)
  --json-summary <file>  also write what happened as JSON (default: none)
  --help                 this text
`;

function parseArgs(argv: string[]): { summaryFile?: string } {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const [flag, file, ...rest] = argv;
  if (flag === undefined) return {};
  if (flag !== '--json-summary' || !file || rest.length > 0) {
    process.stderr.write(`demo: unexpected arguments: ${argv.join(' ')}\n${USAGE}`);
    process.exit(2);
  }
  return { summaryFile: resolve(file) };
}

const options = parseArgs(process.argv.slice(2));
const processes = new Processes();
const state: DemoState = {
  project: '',
  cli: CLI,
  environment: 'development',
  processes,
  temporary: [],
  available: {},
  summary: { steps: [], instances: {}, table: [] },
};

/** Stops every process (newest first), then removes every temporary folder. Idempotent. */
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await processes.stopAll();
    for (const dir of [...state.temporary].reverse()) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

function writeSummary(ok: boolean, error?: string): void {
  if (!options.summaryFile) return;
  const summary = {
    ok,
    ...(error ? { error } : {}),
    ...state.summary,
    available: state.available,
    pids: [...processes.pids],
    temporary: state.temporary,
  };
  writeFileSync(options.summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
}

// Last resort if something exits without the async clean-up (an uncaught error after it, process.exit elsewhere).
process.on('exit', () => {
  processes.killAllNow();
  for (const dir of state.temporary) rmSync(dir, { recursive: true, force: true });
});

let interruptedBy: NodeJS.Signals | undefined;

/** The one way out: clean up, print the summary, write the JSON summary, exit. The first caller wins. */
let finishing = false;
async function finish(ok: boolean, reason: string | undefined, code: number): Promise<void> {
  if (finishing) return;
  finishing = true;
  await cleanUp();
  printSummary(ok, reason);
  writeSummary(ok, reason);
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(signal, () => {
    interruptedBy = signal;
    say(`\n${yellow(`${signal}: stopping everything the demo started`)}`);
    void finish(false, `interrupted by ${signal}`, 130);
  });
setTimeout(() => {
  say(red(`\nthe demo took longer than ${DEADLINE_MS / 1000} s; stopping`));
  void finish(false, 'timeout', 1);
}, DEADLINE_MS).unref();

async function main(): Promise<boolean> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm start does)`);
  say(bold('envplane demo: the second seed (service-scoped .env files, three tenants), end to end'));

  heading(1, 'A fresh copy of examples/service-scoped/');
  const begun = performance.now();
  state.project = mkdtempSync(join(tmpdir(), 'envplane-demo-'));
  state.temporary.push(state.project);
  cpSync(EXAMPLE, state.project, { recursive: true });
  say(`${dim('$')} cp -r examples/service-scoped ${state.project} && cd ${state.project}`);
  state.available = await availableCommands(CLI, COMMANDS);
  const missing = COMMANDS.filter((c) => !state.available[c]);
  if (missing.length > 0) say(yellow(`not available yet in this build: ${missing.join(', ')} (those steps say so)`));
  record('copy', 'ok', state.project, performance.now() - begun);

  const shell: Shell = { cwd: state.project, cli: CLI, processes };
  for (const step of steps) {
    heading(step.number, step.title);
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await step.run(state, shell);
    } catch (error) {
      // An unexpected error (a service that never listened, a refused connection) fails the step that met it.
      outcome = { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
    // A step cut short by Ctrl-C fails because its processes were stopped; say why rather than how.
    if (interruptedBy) outcome.detail = `interrupted by ${interruptedBy}`;
    record(step.id, interruptedBy ? 'failed' : outcome.status, outcome.detail, performance.now() - started);
    if (interruptedBy) return false;
    if (outcome.status === 'failed') {
      say(red(`✘ ${outcome.detail}`));
      return false;
    }
    const mark = outcome.status === 'ok' ? green('✔') : yellow('…');
    say(`${mark} ${outcome.detail}`);
  }
  return true;
}

function record(id: string, status: StepStatus, detail: string, ms: number): void {
  state.summary.steps.push({ id, status, detail, ms: Math.round(ms) });
}

function printSummary(ok: boolean, reason?: string): void {
  heading(steps.length + 2, 'Summary');
  for (const step of state.summary.steps) {
    const mark =
      step.status === 'ok'
        ? green('ok         ')
        : step.status === 'failed'
          ? red('FAILED     ')
          : yellow(step.status.padEnd(11));
    say(`  ${mark} ${step.id.padEnd(10)} ${`${(step.ms / 1000).toFixed(1)} s`.padStart(7)}  ${dim(step.detail)}`);
  }
  const total = (performance.now() / 1000).toFixed(1);
  say(`  ${dim(`${processes.pids.size} process(es) started and stopped; temporary files removed; ${total} s in all`)}`);
  say(ok ? green(bold('demo finished')) : red(bold(`demo failed${reason ? `: ${reason}` : ''}`)));
}

let ok = false;
let failure: string | undefined;
try {
  ok = await main();
} catch (error) {
  failure = error instanceof Error ? error.message : String(error);
  if (!finishing) say(red(`✘ ${failure}`));
}
await finish(ok, failure, ok ? 0 : 1);
