/** Running `envplane start --json` in the background and waiting for its events (never for time to pass). */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { CLI, tempDir } from '../_helpers.ts';

export interface StartEvent {
  event: string;
  instance?: string;
  pid?: number;
  port?: number;
  status?: number;
  expected?: boolean;
  argv?: string[];
  [key: string]: unknown;
}

export interface Running {
  child: ChildProcess;
  events: StartEvent[];
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first event (already seen or still to come) that matches. */
  until: (match: (e: StartEvent) => boolean) => Promise<StartEvent>;
  done: Promise<number>;
}

export function startCli(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Running {
  const child = spawn(process.execPath, [CLI, 'start', '--json', ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', XDG_RUNTIME_DIR: join(cwd, '.run'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let partial = '';
  const events: StartEvent[] = [];
  const waiters: { match: (e: StartEvent) => boolean; resolve: (e: StartEvent) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as StartEvent;
      events.push(event);
      for (const w of [...waiters])
        if (w.match(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
    }
  });
  let closed = false;
  const done = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => {
      closed = true;
      resolve(code ?? (signal ? 128 : 1));
    }),
  );
  // A failed assertion must not leave the instances running (the test file would never end).
  after(() => {
    if (!closed) child.kill('SIGTERM');
  });
  const until = (match: (e: StartEvent) => boolean) => {
    const seen = events.find(match);
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<StartEvent>((resolve) => waiters.push({ match, resolve })),
      done.then((code): never => {
        throw new Error(`envplane start exited (${code}) before the event; stderr:\n${err}`);
      }),
    ]);
  };
  return { child, events, stdout: () => out, stderr: () => err, until, done };
}

/**
 * A child that writes what it was given (pid, environment, each secret file) to `<reports>/<instance>.json`, prints
 * its secret values (for the redactor), then listens on its port until SIGTERM.
 */
export const INSTANCE = `
const fs = require('node:fs'), net = require('node:net'), path = require('node:path');
const [out, port] = process.argv.slice(2);
const dir = process.env.ENVPLANE_SECRETS_DIR;
const files = {};
if (dir) for (const name of fs.readdirSync(dir)) files[name] = fs.readFileSync(path.join(dir, name), 'utf8');
fs.writeFileSync(out + '.tmp', JSON.stringify({ pid: process.pid, port: Number(port), env: process.env, files, dir, cwd: process.cwd() }));
fs.renameSync(out + '.tmp', out);
for (const [name, value] of Object.entries(files)) console.log('my ' + name + ' is ' + value);
console.error('to stderr');
const server = net.createServer((c) => c.end()).listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export interface Fixture {
  dir: string;
  reports: string;
  canaries: Record<string, string>;
}

/**
 * A project with a plain service `api` (free port) and a per-tenant `etl` (base port from `etlPort`, or free), each
 * one's secret in the files store holding a canary; `extra` is appended to the manifest's services.
 */
export function fixture(options: { etlPort?: number; etlCommand?: string; extraKeys?: string } = {}): Fixture {
  const dir = tempDir('envplane-start-');
  const reports = join(dir, 'reports');
  mkdirSync(reports);
  mkdirSync(join(dir, 'secrets', 'a'), { recursive: true });
  mkdirSync(join(dir, 'secrets', 'b'), { recursive: true });
  writeFileSync(join(dir, 'instance.cjs'), INSTANCE);
  const canaries: Record<string, string> = {
    // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
    api_key: `canary-api-${randomBytes(6).toString('hex')}`,
    // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
    'token@a': `canary-token-a-${randomBytes(6).toString('hex')}`,
    // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
    'token@b': `canary-token-b-${randomBytes(6).toString('hex')}`,
  };
  writeFileSync(join(dir, 'secrets', 'api_key.txt'), canaries.api_key!, { mode: 0o600 });
  writeFileSync(join(dir, 'secrets', 'a', 'token.txt'), canaries['token@a']!, { mode: 0o600 });
  writeFileSync(join(dir, 'secrets', 'b', 'token.txt'), canaries['token@b']!, { mode: 0o600 });
  writeFileSync(join(dir, '.env'), 'LOG_LEVEL=debug\nOTHER=not-for-anyone\n');
  const node = JSON.stringify(process.execPath);
  const etlCommand = options.etlCommand ?? `[${node}, instance.cjs, "reports/{instance}.json", "{port}"]`;
  writeFileSync(
    join(dir, 'envplane.yaml'),
    `project: demo
environments:
  development:
    aliases: [dev]
    config: [.env]
tenants: [a, b]
keys:
  LOG_LEVEL: config
  OTHER: config
  api_key: secret
  token: { plane: secret, perTenant: true }
${options.extraKeys ?? ''}services:
  api:
    uses: [LOG_LEVEL, api_key]
    command: [${node}, instance.cjs, "reports/{instance}.json", "{port}"]
  etl:
    perTenant: true
    uses: [LOG_LEVEL, token]
    command: ${etlCommand}
${options.etlPort !== undefined ? `    port: ${options.etlPort}\n` : ''}`,
  );
  return { dir, reports, canaries };
}
