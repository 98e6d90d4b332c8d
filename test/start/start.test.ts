/**
 * `envplane start`: every instance under exactly its bundle, one prefixed and redacted log stream, readiness by
 * port (observed through events, never by waiting), exits reported, SIGTERM/SIGINT stopping all and removing every
 * secrets folder, and rolling restarts through `envplane restart` and SIGHUP that pick up a rotated value.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../_helpers.ts';
import { fixture, startCli } from './_session.ts';

interface Report {
  pid: number;
  port: number;
  env: Record<string, string>;
  files: Record<string, string>;
  dir: string;
}

const report = (reports: string, instance: string): Report =>
  JSON.parse(readFileSync(join(reports, `${instance}.json`), 'utf8')) as Report;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Two consecutive free ports, found by binding them (port 0 first, then the next one). */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const first = await listen(0);
    const port = (first.address() as { port: number }).port;
    const second = await listen(port + 1).catch(() => undefined);
    await new Promise((r) => first.close(r));
    if (second) {
      await new Promise((r) => second.close(r));
      return port;
    }
  }
}

function listen(port: number) {
  return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('envplane start', () => {
  test('every instance gets exactly its bundle; logs are prefixed and redacted; SIGTERM stops all, folders gone', async () => {
    const base = await twoFreePorts();
    const f = fixture({ etlPort: base });
    const run = startCli(['--env', 'dev'], f.dir, { VAULT_TOKEN: 'hvs.store-credential', AWS_SECRET_ACCESS_KEY: 'x' });
    await run.until((e) => e.event === 'all-ready');
    const api = report(f.reports, 'api');
    const a = report(f.reports, 'etl@a');
    const b = report(f.reports, 'etl@b');
    // The base port plus the instance's index, in tenant order; api got a free port, printed in its launch event.
    assert.equal(a.port, base);
    assert.equal(b.port, base + 1);
    const launches = run.events.filter((e) => e.event === 'launching');
    assert.equal(launches.find((e) => e.instance === 'api')?.port, api.port);
    assert.deepEqual(api.files, { api_key: f.canaries.api_key });
    assert.deepEqual(a.files, { token: f.canaries['token@a'] });
    assert.deepEqual(b.files, { token: f.canaries['token@b'] });
    for (const r of [api, a, b]) {
      assert.equal(r.env.LOG_LEVEL, 'debug');
      assert.equal(r.env.OTHER, undefined, 'an undeclared key reached an instance');
      assert.equal(r.env.VAULT_TOKEN, undefined, 'a store credential reached an instance');
      assert.equal(r.env.AWS_SECRET_ACCESS_KEY, undefined);
    }
    assert.equal(a.env.TOKEN_FILE, join(a.dir, 'token'));
    run.child.kill('SIGTERM');
    assert.equal(await run.done, 143);
    // The whole stream, now that it has ended: both of each child's streams, prefixed and padded, values redacted.
    const out = run.stdout();
    assert.match(out, /^etl@a \| to stderr$/m);
    assert.match(out, /^api {3}\| my api_key is \[REDACTED:api_key\]$/m);
    assert.match(out, /^etl@b \| my token is \[REDACTED:token\]$/m);
    for (const value of Object.values(f.canaries)) assert.ok(!out.includes(value) && !run.stderr().includes(value));
    for (const r of [api, a, b]) {
      assert.ok(!existsSync(r.dir), `${r.dir} left behind`);
      assert.ok(!alive(r.pid), `pid ${r.pid} still running`);
    }
    const exits = run.events.filter((e) => e.event === 'exited');
    assert.deepEqual(exits.map((e) => e.instance).sort(), ['api', 'etl@a', 'etl@b']);
    assert.ok(exits.every((e) => e.expected === true && e.status === 0));
  });

  test('named instances only; an instance that exits is reported and its status becomes start’s', async () => {
    const node = JSON.stringify(process.execPath);
    const f = fixture({ etlCommand: `[${node}, -e, "process.exit(process.env.TOKEN_FILE ? 3 : 9)"]` });
    const run = startCli(['--env', 'dev', 'etl@b'], f.dir);
    assert.equal(await run.done, 3, run.stderr());
    const exited = run.events.filter((e) => e.event === 'exited');
    assert.deepEqual(
      exited.map((e) => [e.instance, e.status, e.expected]),
      [['etl@b', 3, false]],
    );
    assert.ok(!existsSync(join(f.reports, 'api.json')), 'api was started though only etl@b was named');
  });

  test('SIGINT stops everything with 130', async () => {
    const f = fixture();
    const run = startCli(['--env', 'dev', 'api'], f.dir);
    await run.until((e) => e.event === 'ready' && e.instance === 'api');
    const api = report(f.reports, 'api');
    run.child.kill('SIGINT');
    assert.equal(await run.done, 130);
    assert.ok(!existsSync(api.dir));
    assert.ok(!alive(api.pid));
  });

  test('envplane restart replaces a service’s instances one at a time with the rotated value, same ports', async () => {
    const f = fixture();
    const run = startCli(['--env', 'dev'], f.dir);
    await run.until((e) => e.event === 'all-ready');
    const before = { a: report(f.reports, 'etl@a'), b: report(f.reports, 'etl@b'), api: report(f.reports, 'api') };
    writeFileSync(join(f.dir, 'secrets', 'a', 'token.txt'), 'rotated-value-a', { mode: 0o600 });
    const env = { XDG_RUNTIME_DIR: join(f.dir, '.run') };
    const r = runCli(['restart', '--env', 'dev', 'etl', '--json'], { cwd: f.dir, env });
    assert.equal(r.code, 0, r.stderr);
    const reply = JSON.parse(r.stdout) as { ok: boolean; restarted: { instance: string; pid: number; port: number }[] };
    assert.deepEqual(
      reply.restarted.map((x) => [x.instance, x.port]),
      [
        ['etl@a', before.a.port],
        ['etl@b', before.b.port],
      ],
    );
    const after = { a: report(f.reports, 'etl@a'), b: report(f.reports, 'etl@b') };
    assert.deepEqual(after.a.files, { token: 'rotated-value-a' });
    assert.notEqual(after.a.pid, before.a.pid);
    assert.ok(!alive(before.a.pid) && !alive(before.b.pid));
    assert.ok(!existsSync(before.a.dir), 'the replaced instance’s secrets folder is left behind');
    assert.equal(report(f.reports, 'api').pid, before.api.pid, 'api was restarted too');
    // One at a time: etl@a was ready again before etl@b was stopped.
    await run.until((e) => e.event === 'restarted' && e.instance === 'etl@b');
    const order = run.events
      .filter((e) => e.instance?.startsWith('etl@') && ['restarting', 'ready', 'restarted'].includes(e.event))
      .slice(2) // the first start's two ready events
      .map((e) => `${e.event} ${e.instance}`);
    assert.deepEqual(order, [
      'restarting etl@a',
      'ready etl@a',
      'restarted etl@a',
      'restarting etl@b',
      'ready etl@b',
      'restarted etl@b',
    ]);
    // SIGHUP restarts every service; the stream redacts the new value as well.
    run.child.kill('SIGHUP');
    await run.until((e) => e.event === 'restarted' && e.instance === 'api');
    assert.ok(!run.stdout().includes('rotated-value-a'));
    assert.match(run.stdout(), /\[REDACTED:token\]/);
    run.child.kill('SIGTERM');
    assert.equal(await run.done, 143);
  });

  test('SIGTERM in the middle of a rolling restart stops the successors too: start ends, nothing runs', async () => {
    const f = fixture();
    const run = startCli(['--env', 'dev'], f.dir);
    await run.until((e) => e.event === 'all-ready');
    run.child.kill('SIGHUP');
    // The signal lands while an instance is between being stopped and its successor being started: before the fix
    // the successor outlived the shutdown and start waited for it forever.
    await run.until((e) => e.event === 'restarting');
    run.child.kill('SIGTERM');
    assert.equal(await run.done, 143);
    const started = run.events.filter((e) => e.event === 'started').map((e) => e.pid!);
    assert.ok(started.length >= 3);
    for (const pid of started) assert.ok(!alive(pid), `instance ${pid} still runs after start ended`);
  });

  test('restart without a running start, and of an unknown service, are usage errors', () => {
    const f = fixture();
    const env = { XDG_RUNTIME_DIR: join(f.dir, '.run') };
    const none = runCli(['restart', '--env', 'dev', 'etl'], { cwd: f.dir, env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no envplane start is running/);
    const unknown = runCli(['restart', '--env', 'dev', 'etx'], { cwd: f.dir, env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown service "etx"/);
  });

  test('a port in use, a missing secret: nothing starts', async () => {
    const busy = await listen(0);
    const port = (busy.address() as { port: number }).port;
    try {
      const f = fixture({ etlPort: port });
      const r = runCli(['start', '--env', 'dev'], { cwd: f.dir, env: { XDG_RUNTIME_DIR: join(f.dir, '.run') } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`port ${port} of etl@a is already in use`));
      assert.ok(!existsSync(join(f.reports, 'api.json')), 'api started though the run was refused');
    } finally {
      await new Promise((r) => busy.close(r));
    }
    const f = fixture();
    writeFileSync(join(f.dir, 'secrets', 'b', 'token.txt'), '');
    const r = runCli(['start', '--env', 'dev'], { cwd: f.dir, env: { XDG_RUNTIME_DIR: join(f.dir, '.run') } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /etl@b in development: missing required secret\(s\): token/);
    assert.ok(!existsSync(join(f.reports, 'api.json')));
  });

  test('manifest errors are located: unknown placeholder, {tenant} outside a per-tenant service, ready: port without {port}', () => {
    const node = JSON.stringify(process.execPath);
    for (const [command, message] of [
      [`[${node}, "{prot}"]`, /unknown placeholder "\{prot\}"/],
      [`[${node}, x]\n    ready: port`, /`ready: port` but the command of service "etl" has no \{port\}/],
    ] as const) {
      const f = fixture({ etlCommand: command });
      const r = runCli(['start', '--env', 'dev'], { cwd: f.dir, env: { XDG_RUNTIME_DIR: join(f.dir, '.run') } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /envplane\.yaml:\d+/);
    }
    const f = fixture();
    const manifest = readFileSync(join(f.dir, 'envplane.yaml'), 'utf8').replace(
      'reports/{instance}.json", "{port}"]\n  etl',
      'reports/{tenant}.json", "{port}"]\n  etl',
    );
    writeFileSync(join(f.dir, 'envplane.yaml'), manifest);
    const r = runCli(['start', '--env', 'dev'], { cwd: f.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"\{tenant\}" in the command of a service that is not per tenant/);
  });

  test('a readiness command: ready once it exits 0', async () => {
    const node = JSON.stringify(process.execPath);
    const f = fixture({
      etlCommand: `[${node}, -e, "require('fs').writeFileSync('reports/{tenant}.flag', ''); setInterval(() => {}, 1000)"]\n    ready: { command: [${node}, -e, "process.exit(require('fs').existsSync('reports/{tenant}.flag') ? 0 : 1)"] }`,
    });
    const run = startCli(['--env', 'dev', 'etl'], f.dir);
    const ready = await run.until((e) => e.event === 'all-ready');
    assert.equal(ready.instances, 2);
    assert.ok(existsSync(join(f.reports, 'a.flag')) && existsSync(join(f.reports, 'b.flag')));
    run.child.kill('SIGTERM');
    assert.equal(await run.done, 143);
  });
});
