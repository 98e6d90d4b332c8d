/**
 * One canary secret through EVERY command of the registry (src/cli/commands.ts): each command's cases run plain,
 * with --debug, with --json where its help lists it, with a bad flag, in a project folder that does not exist, and in
 * a project whose layer has a parse error on the canary's own line; `run` also with a crashing child and with
 * --redact around a child that prints the value. The canary (literal, base64, URL-encoded) must appear in no stdout,
 * stderr, `.envplane/audit.log`, `.envplane/state.json`, nor in any process's /proc/<pid>/cmdline, sampled by a
 * separate process the whole time. A command without cases fails the test, so a new command cannot be forgotten.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commands } from '../../src/cli/commands.ts';
import { count } from '../_counts.ts';
import { type CliResult, copyExample, runCli, tempDir } from '../_helpers.ts';
import { FOUR_PLANES_SECRETS } from '../run/_project.ts';

// `/`, `+`, `=` make the base64 and URL-encoded forms differ from the value; no space, so it fits a .env unquoted.
// This process's pid in it: another suite running on the machine at the same time (their projects are in the same
// temp folder) holds a canary of its own, not ours.
const CANARY = `cAnArY-${process.pid.toString(36)}-5f1e/9+b7=Qz_do-not-print`;
const FORMS = [CANARY, Buffer.from(CANARY).toString('base64'), encodeURIComponent(CANARY)];

type Project = 'files' | 'layers' | 'legacy';

interface Case {
  args: string[];
  /** Exit code of the plain run: the canary went through real work, or through the refusal meant here. */
  code: number;
  /** Which prepared project it runs in (default: files). */
  project?: Project;
  input?: string;
}

/** The child `run` starts: reads its secret (so the value is in play), then does what the case wants. */
const child = (body: string) => [
  '--',
  process.execPath,
  '-e',
  `const v = require('fs').readFileSync(process.env.OPENAI_API_KEY_FILE, 'utf8'); ${body}`,
];

const CASES: Record<string, Case[]> = {
  verify: [
    { code: 0, args: ['verify'] },
    { code: 0, args: ['verify', '--live', '-e', 'dev'] },
  ],
  check: [
    { code: 1, args: ['check'] },
    { code: 1, args: ['check', '--format', 'sarif'] },
    { code: 1, args: ['check'], project: 'layers' },
  ],
  env: [
    { code: 0, args: ['env', '-e', 'dev', '-s', 'backend'] },
    { code: 0, args: ['env', '-e', 'dev', '-s', 'etl', '-t', 'wex'], project: 'layers' },
  ],
  explain: [
    { code: 0, args: ['explain', 'openai_api_key', '-e', 'dev', '-s', 'backend'] },
    { code: 0, args: ['explain', 'POSTGRES_PASSWORD', '-e', 'dev', '-s', 'backend'], project: 'layers' },
  ],
  export: [
    { code: 0, args: ['export', '-e', 'dev', '-s', 'worker', '-o', 'out/paths.env'] },
    { code: 0, args: ['export', '-e', 'dev', '-s', 'worker', '--include-secrets', '-o', 'out/values.env'] },
    // Values to stdout without --reveal: refused.
    { code: 2, args: ['export', '-e', 'dev', '-s', 'worker', '--include-secrets', '-o', '-'] },
  ],
  run: [
    { code: 0, args: ['run', '-e', 'dev', '-s', 'worker', ...child('process.exit(0)')] },
    { code: 1, args: ['run', '-e', 'dev', '-s', 'worker', ...child("throw new Error('child crashed')")] },
    { code: 139, args: ['run', '-e', 'dev', '-s', 'worker', ...child("process.kill(process.pid, 'SIGSEGV')")] },
    // The child prints the value in several forms; --redact must replace each of them.
    {
      code: 3,
      args: [
        'run',
        '--redact',
        '-e',
        'dev',
        '-s',
        'worker',
        ...child(
          "console.log(v); console.error(Buffer.from(v).toString('base64')); console.log(encodeURIComponent(v)); process.exit(3)",
        ),
      ],
    },
  ],
  setup: [
    { code: 0, args: ['setup'] },
    { code: 0, args: ['setup', '--dry-run'] },
    { code: 0, args: ['setup'], project: 'layers' },
  ],
  rotate: [
    { code: 0, args: ['rotate', 'openai_api_key', '-e', 'dev', '--from-stdin'], input: `${CANARY}\n` },
    { code: 2, args: ['rotate', 'openai_api_key', '-e', 'dev', '--from-stdin'], input: `${CANARY}\0tail` },
    { code: 0, args: ['rotate', 'openai_api_key', '-e', 'dev', '--rollback'] },
    { code: 0, args: ['rotate', 'openai_api_key', '-e', 'dev', '--from-stdin'], input: `${CANARY}\n` },
  ],
  audit: [
    { code: 0, args: ['audit'] },
    { code: 0, args: ['audit', 'verify'] },
    { code: 0, args: ['audit', '--limit', '0'] },
  ],
  // notes.txt holds the canary: scan must name the place, not print the value.
  scan: [
    { code: 1, args: ['scan'] },
    { code: 1, args: ['scan', '--staged'] },
    { code: 1, args: ['scan', '--history'] },
  ],
  hooks: [
    { code: 0, args: ['hooks', 'install'] },
    { code: 0, args: ['hooks', 'uninstall'] },
  ],
  render: [
    { code: 0, args: ['render', 'compose', '-e', 'dev'] },
    { code: 0, args: ['render', 'compose', '-e', 'dev', '--check'] },
    { code: 2, args: ['render', 'k8s', '-e', 'dev'] },
    { code: 0, args: ['render', 'k8s', '-e', 'dev', '-o', 'out/k8s.yaml'] },
    { code: 0, args: ['render', 'k8s', '-e', 'dev', '-o', 'out/k8s.yaml', '--check'] },
    { code: 0, args: ['render', 'compose', '-e', 'dev'], project: 'layers' },
  ],
  // The worker's command reads its secret and prints it; start's stream must redact it. Then every instance has
  // exited: start ends with their status.
  start: [{ code: 0, args: ['start', '-e', 'dev', 'worker'] }],
  // No start runs for the project: refused, naming no value.
  restart: [{ code: 2, args: ['restart', '-e', 'dev', 'worker'] }],
  // docker-compose v1 (real) merges the user's file with the wiring and prints it.
  compose: [
    { code: 0, args: ['compose', '-e', 'dev', '--', '-f', 'canary-compose.yml', 'config'] },
    { code: 0, args: ['compose', '-e', 'dev', '--dry-run', '--', '-f', 'canary-compose.yml', 'up', '-d'] },
  ],
  push: [
    { code: 0, args: ['push', '--to', 'swarm', '-e', 'prod', '--from-dir', 'prod-values', '--dry-run'] },
    { code: 2, args: ['push', '--to', 'swarm', '-e', 'dev', '--from', 'dev'] },
  ],
  init: [
    { code: 0, args: ['init', '--from-existing', '--dry-run'], project: 'legacy' },
    { code: 0, args: ['init', '--from-existing'], project: 'legacy' },
  ],
  migrate: [
    { code: 0, args: ['migrate', '--env', 'development', '--dry-run'], project: 'layers' },
    { code: 2, args: ['migrate', '.env.development', '--env', 'development', '--dry-run'], project: 'legacy' },
    { code: 0, args: ['migrate', '--env', 'development'], project: 'layers' },
    // The manifest init inferred keeps the file as a layer: migrate moves the secret out of it.
    { code: 0, args: ['migrate', '--env', 'development'], project: 'legacy' },
  ],
};

function git(dir: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
}

/** The files-store project (a git repository, with the canary committed in a note), ready for every command. */
function filesProject(): string {
  const dir = copyExample('four-planes');
  // The seed's hand-written compose files hand every config layer to every service (compose-over-grant reports it,
  // so verify fails on them); this project brings its own compose file below, which leaves the wiring to envplane.
  for (const f of ['docker-compose.yml', 'docker-compose.prod.yml']) rmSync(join(dir, f));
  assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
  writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), `${CANARY}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'notes.txt'), `the key was ${CANARY}\n`);
  // What `envplane start` runs for the worker, and a compose file of the user's that leaves the secrets to envplane.
  const printer =
    "const v = require('fs').readFileSync(process.env.OPENAI_API_KEY_FILE, 'utf8'); console.log(v); console.error(Buffer.from(v).toString('base64'))";
  const manifest = readFileSync(join(dir, 'envplane.yaml'), 'utf8').replace(
    /(\n {2}worker:\n)/,
    `$1    command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(printer)}]\n`,
  );
  assert.ok(manifest.includes('command:'));
  writeFileSync(join(dir, 'envplane.yaml'), manifest);
  writeFileSync(
    join(dir, 'canary-compose.yml'),
    'services:\n  backend:\n    image: app/backend\n  worker:\n    image: app/worker\n  frontend:\n    image: app/frontend\n  postgres:\n    image: postgres:16\n',
  );
  writeFileSync(join(dir, '.gitignore'), `${readFileSync(join(dir, '.gitignore'), 'utf8')}out/\n`);
  // Production's external store, as push reads it from a folder.
  mkdirSync(join(dir, 'prod-values'));
  for (const name of FOUR_PLANES_SECRETS)
    writeFileSync(join(dir, 'prod-values', `${name}.txt`), `${CANARY}\n`, { mode: 0o600 });
  git(dir, 'init', '-q');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', 'notes.txt', 'envplane.yaml');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'notes');
  writeFileSync(join(dir, 'notes.txt'), `staged ${CANARY}\n`);
  git(dir, 'add', 'notes.txt');
  return dir;
}

/** The second seed's layout: the canary is a secret still written in a config layer. */
function layersProject(): string {
  const dir = copyExample('service-scoped');
  const shared = join(dir, '.env.shared');
  writeFileSync(shared, readFileSync(shared, 'utf8').replace(/^POSTGRES_PASSWORD=.*$/m, `POSTGRES_PASSWORD=${CANARY}`));
  assert.ok(readFileSync(shared, 'utf8').includes(CANARY));
  return dir;
}

/** A project without a manifest: one legacy .env file holding the canary, and a compose file. */
function legacyProject(): string {
  const dir = tempDir('envplane-legacy-');
  writeFileSync(join(dir, '.env.development'), `DATABASE_HOST=db\nAPI_SECRET_KEY=${CANARY}\n`);
  writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  api:\n    image: api\n    env_file: .env.development\n');
  return dir;
}

/** The folders this suite made itself (they hold the canary on purpose). */
const OWN = new Set<string>();

/** The same projects with a parse error (an unclosed quote) on the line that holds the canary. */
function broken(dir: string, project: Project): string {
  const copy = tempDir('envplane-broken-');
  OWN.add(basename(copy));
  cpSync(dir, copy, { recursive: true });
  const [file, key] =
    project === 'files'
      ? ['config/dev.env', 'LLM_PROVIDER']
      : project === 'layers'
        ? ['.env.shared', 'POSTGRES_PASSWORD']
        : ['.env.development', 'API_SECRET_KEY'];
  const p = join(copy, file);
  const text = existsSync(p) ? readFileSync(p, 'utf8') : '';
  const line = `${key}="${CANARY}`;
  writeFileSync(
    p,
    new RegExp(`^${key}=.*$`, 'm').test(text) ? text.replace(new RegExp(`^${key}=.*$`, 'm'), line) : `${text}${line}\n`,
  );
  return copy;
}

/**
 * A separate process reads every /proc/<pid>/cmdline in a loop while the commands run (this test's own event loop is
 * blocked in spawnSync). It gets the forms to look for in its environment, never on its own command line.
 */
const SAMPLER = `
const fs = require('fs');
const forms = JSON.parse(process.env.CANARY_FORMS);
let samples = 0, processes = 0; const hits = [];
const sweep = () => {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid)) continue;
    let cmd; try { cmd = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8'); } catch { continue; }
    processes++;
    const shown = cmd.split('\\0').slice(0, 3).join(' ').slice(0, 80);
    if (forms.some((f) => cmd.includes(f)) && !hits.includes(shown) && hits.length < 20) hits.push(shown);
  }
  samples++;
};
process.on('SIGTERM', () => { sweep(); process.stdout.write(JSON.stringify({ samples, processes, hits })); process.exit(0); });
const loop = () => { sweep(); setTimeout(loop, 5); };
loop();
`;

function startSampler(): { stop: () => Promise<{ samples: number; processes: number; hits: string[] }> } {
  const proc: ChildProcess = spawn(process.execPath, ['-e', SAMPLER], {
    env: { ...process.env, CANARY_FORMS: JSON.stringify(FORMS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        proc.on('exit', () => resolve(JSON.parse(out)));
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * Files under envplane's temporary names in the temp folder and /dev/shm (`envplane-run-*` secrets folders,
 * `envplane-verify-*`, atomic-write temps) that hold the canary: what a command left behind after it ended. The
 * suite's own project folders are left out; other test files' folders hold other values.
 */
function leftoversHolding(forms: string[]): string[] {
  const found: string[] = [];
  const walk = (path: string, depth: number) => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      return; // removed meanwhile
    }
    if (st.isDirectory() && depth < 6) {
      let names: string[] = [];
      try {
        names = readdirSync(path);
      } catch {
        return;
      }
      for (const name of names) walk(join(path, name), depth + 1);
    } else if (st.isFile() && st.size <= 4_000_000) {
      let text = '';
      try {
        text = readFileSync(path, 'latin1');
      } catch {
        return;
      }
      if (forms.some((f) => text.includes(f))) found.push(path);
    }
  };
  for (const base of new Set([tmpdir(), '/dev/shm'])) {
    let names: string[] = [];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) if (/^\.?envplane-/.test(name) && !OWN.has(name)) walk(join(base, name), 0);
  }
  return found;
}

/** Adds envplane flags before `--` (after it they would be the child's arguments). */
function withFlags(args: string[], ...flags: string[]): string[] {
  const end = args.indexOf('--');
  return end === -1 ? [...args, ...flags] : [...args.slice(0, end), ...flags, ...args.slice(end)];
}

/** Whether `help` lists --json: then every case runs with it too. */
function acceptsJson(name: string): boolean {
  return /--json/.test(runCli([name, '--help']).stdout);
}

describe('a canary secret through every command', () => {
  // Made here, not in a hook: their folders are then removed when this suite ends.
  const projects: Record<Project, string> = {
    files: filesProject(),
    layers: layersProject(),
    legacy: legacyProject(),
  };
  for (const dir of Object.values(projects)) OWN.add(basename(dir));
  const outputs: { label: string; r: CliResult }[] = [];
  let sampler: ReturnType<typeof startSampler>;
  before(() => {
    sampler = startSampler();
  });
  after(async () => {
    await sampler.stop();
  });

  it('has cases for every command in the registry', () => {
    for (const name of Object.keys(commands)) assert.ok(CASES[name]?.length, `no canary case for \`${name}\``);
    for (const name of Object.keys(CASES)) assert.ok(name in commands, `${name} is not a command`);
  });

  for (const name of Object.keys(commands))
    it(`${name}: plain, --debug, --json, a bad flag, a missing folder, a parse error on the canary's line`, () => {
      const cases = CASES[name] ?? [];
      assert.ok(cases.length > 0, `no canary case for \`${name}\``);
      const json = acceptsJson(name);
      for (const c of cases) {
        const project = c.project ?? 'files';
        const dir = projects[project];
        const variants: [string, string[], string][] = [
          ['plain', c.args, dir],
          // --debug (stack frames on errors) rides along with --json where the command has it.
          json
            ? ['--json --debug', withFlags(c.args, '--json', '--debug'), dir]
            : ['--debug', withFlags(c.args, '--debug'), dir],
          ['bad flag', withFlags(c.args, '--no-such-flag'), dir],
          ['missing folder', withFlags(c.args, '--dir', join(dir, 'no-such-folder')), dir],
          ['parse error', withFlags(c.args, '--debug'), broken(dir, project)],
        ];
        for (const [variant, args, cwd] of variants) {
          const r = runCli(args, { cwd, input: c.input });
          const label = `${name} ${variant}: ${args
            .filter((a) => !a.includes('\n'))
            .join(' ')
            .slice(0, 120)}`;
          outputs.push({ label, r });
          if (variant === 'plain') assert.equal(r.code, c.code, `${label}: ${r.stderr}`);
          if (variant === 'bad flag') assert.equal(r.code, 2, `${label}: ${r.stderr}`);
          assert.ok(!/internal error/.test(r.stderr), `${label}: ${r.stderr}`);
          const hit = FORMS.some((f) => r.stdout.includes(f) || r.stderr.includes(f));
          count('canary', 1, hit ? 1 : 0, `every command: ${name}`);
          for (const f of FORMS) {
            assert.ok(!r.stdout.includes(f), `${label}: stdout holds the canary (${FORMS.indexOf(f)})`);
            assert.ok(!r.stderr.includes(f), `${label}: stderr holds the canary (${FORMS.indexOf(f)})`);
          }
        }
      }
    });

  it('left no file holding the canary in the temp folder or /dev/shm (a run secrets folder, a write temp)', () => {
    assert.deepEqual(leftoversHolding(FORMS), []);
  });

  it('left no canary in the audit log or the state file, and none on any command line', async () => {
    let files = 0;
    for (const dir of Object.values(projects))
      for (const file of ['.envplane/audit.log', '.envplane/state.json']) {
        const p = join(dir, file);
        if (!existsSync(p)) continue;
        files++;
        const text = readFileSync(p, 'utf8');
        for (const f of FORMS) assert.ok(!text.includes(f), `${file} holds the canary`);
      }
    assert.ok(files >= 3, `audit logs and state files were written (${files})`);
    // The project really held the canary where the commands worked.
    assert.equal(readFileSync(join(projects.files, 'secrets', 'openai_api_key.txt'), 'utf8'), `${CANARY}\n`);
    const seen = await sampler.stop();
    sampler = { stop: async () => seen };
    console.log(`# canary: ${outputs.length} runs, ${seen.samples} /proc sweeps over ${seen.processes} command lines`);
    count('canary', seen.samples > 0 ? 1 : 0, seen.hits.length, 'every command: /proc/*/cmdline');
    assert.deepEqual(seen.hits, [], 'a command line held the canary');
    assert.ok(seen.samples > 50, `the sampler swept /proc only ${seen.samples} times`);
  });
});
