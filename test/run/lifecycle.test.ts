/**
 * `envplane run` as a supervisor: exit codes pass through, signals are forwarded, the secrets directory is gone
 * however the child ends, no secret value is on any process's command line, and argv is never shell-parsed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, runCli, tempDir } from '../_helpers.ts';
import { fourPlanesWithSecrets, PROBE, readReport } from './_project.ts';

const RUN = ['run', '--env', 'development', '--service', 'backend', '--'];

/** Starts the CLI without waiting, collecting its output. */
function startCli(
  args: string[],
  cwd: string,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out })),
  );
  return { child, done };
}

/** Waits until the child has written `path` (non-empty: the file exists a moment before its contents do). */
async function waitFor(path: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!existsSync(path) || readFileSync(path, 'utf8') === '') {
    if (Date.now() > until) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A child that records its secrets directory, then sleeps until signalled. */
const SLEEPER = `require('node:fs').writeFileSync(process.argv[1], process.env.ENVPLANE_SECRETS_DIR); setTimeout(() => {}, 30000);`;

describe('run: exit codes and cleanup', () => {
  const { dir, canaries } = fourPlanesWithSecrets();
  const scratch = tempDir('envplane-run-life-');

  const cases: [string, string, number][] = [
    ['normal exit', 'process.exit(0)', 0],
    ['exit code 3 passes through', 'process.exit(3)', 3],
    ['a crash (uncaught error) passes its code through', 'throw new Error("boom")', 1],
    ['killed by SIGKILL: 128 + 9', 'process.kill(process.pid, "SIGKILL")', 137],
    ['killed by SIGSEGV-like SIGABRT: 128 + 6', 'process.kill(process.pid, "SIGABRT")', 134],
    // The directory is the child's too: what it adds or removes there must not keep it from being removed.
    [
      'a child that leaves files and a folder of its own in the directory',
      'const d = process.env.ENVPLANE_SECRETS_DIR; fs.mkdirSync(d + "/sub"); fs.writeFileSync(d + "/sub/x", "1"); fs.writeFileSync(d + "/y", "2"); process.exit(4)',
      4,
    ],
    [
      'a child that deletes a secret file after reading it',
      'fs.unlinkSync(process.env.SECRET_KEY_FILE); process.exit(5)',
      5,
    ],
  ];
  for (const [name, body, code] of cases)
    test(name, () => {
      const marker = join(scratch, `${code}.dir`);
      const script = `const fs = require('node:fs'); fs.writeFileSync(process.argv[1], process.env.ENVPLANE_SECRETS_DIR); ${body}`;
      const r = runCli([...RUN, process.execPath, '-e', script, marker], { cwd: dir });
      assert.equal(r.code, code, r.stderr);
      const secretsDir = readFileSync(marker, 'utf8');
      assert.match(secretsDir, /envplane-run-/);
      assert.ok(!existsSync(secretsDir), 'secrets directory left behind');
      for (const value of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
    });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)
    test(`envplane receiving ${signal}: forwarded to the child, directory removed, exit ${code}`, async () => {
      const marker = join(scratch, `${signal}.dir`);
      const { child, done } = startCli([...RUN, process.execPath, '-e', SLEEPER, marker], dir);
      await waitFor(marker);
      const secretsDir = readFileSync(marker, 'utf8');
      assert.ok(existsSync(secretsDir));
      child.kill(signal);
      const { code: exit, out } = await done;
      assert.equal(exit, code, out);
      assert.ok(!existsSync(secretsDir), 'secrets directory left behind');
    });

  // Left to their default, SIGQUIT (Ctrl-\) and SIGUSR2 killed envplane itself: the secrets directory stayed in
  // /dev/shm with every value, the child ran on as an orphan, and SIGQUIT dumped core (a heap holding the values).
  // SIGUSR1 did not kill it, but opened Node's inspector on 127.0.0.1:9229, open to every local user.
  for (const [signal, code] of [
    ['SIGQUIT', 131],
    ['SIGUSR1', 138],
    ['SIGUSR2', 140],
  ] as const)
    test(`envplane receiving ${signal}: does not die of it; forwarded, the child's exit ${code} passed through, directory removed`, async () => {
      const marker = join(scratch, `${signal}.dir`);
      const got = join(scratch, `${signal}.got`);
      // The child notes the signal, then ends the way the default action would (without a core file of its own).
      const script = `process.on(${JSON.stringify(signal)}, () => { require('node:fs').writeFileSync(${JSON.stringify(got)}, 'yes'); process.exit(${code}); }); ${SLEEPER}`;
      const { child, done } = startCli([...RUN, process.execPath, '-e', script, marker], dir);
      await waitFor(marker);
      const secretsDir = readFileSync(marker, 'utf8');
      const grandchildren = childrenOf(child.pid!);
      assert.equal(grandchildren.length, 1, 'one child runs');
      let signalled: NodeJS.Signals | null = null;
      child.once('exit', (_code, s) => {
        signalled = s;
      });
      child.kill(signal);
      const { code: exit, out } = await done;
      assert.equal(signalled, null, `envplane died of ${signalled}`);
      assert.equal(exit, code, out);
      assert.doesNotMatch(out, /Debugger listening|inspector/i);
      assert.equal(readFileSync(got, 'utf8'), 'yes', 'the child did not receive the signal');
      assert.ok(!existsSync(secretsDir), 'secrets directory left behind');
      assert.ok(!isAlive(grandchildren[0]!), 'the child outlived envplane');
    });

  // The values are in envplane's memory from the moment they are read, before any child or directory exists. A
  // signal landing then was left to its default while the relay was not yet made: SIGUSR2 killed envplane, SIGQUIT
  // dumped a core holding the values, SIGUSR1 opened the inspector. A preload raises the signal as the first secret
  // file is opened, so it lands in exactly that moment; caught, it means "stop": the child never starts.
  test('a signal that arrives while the secret values are being read: caught, the child never starts', () => {
    const marker = join(scratch, 'early.dir');
    const preload = join(scratch, 'signal-on-read.cjs');
    writeFileSync(
      preload,
      `const fs = require('node:fs');
const open = fs.openSync;
let sent = false;
fs.openSync = function (path, ...rest) {
  if (!sent && String(path).endsWith('postgres_password.txt')) { sent = true; process.kill(process.pid, 'SIGUSR2'); }
  return open.call(this, path, ...rest);
};\n`,
    );
    const r = spawnSync(process.execPath, [CLI, ...RUN, process.execPath, '-e', SLEEPER, marker], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--require ${preload}` },
      encoding: 'utf8',
    });
    assert.equal(r.signal, null, `envplane died of ${r.signal} while reading the values`);
    assert.equal(r.status, 140, r.stderr);
    assert.ok(!existsSync(marker), 'the child started after the signal');
  });

  test('a child that handles the signal decides the exit code; envplane waits for it', async () => {
    const marker = join(scratch, 'graceful.dir');
    const script = `process.on('SIGTERM', () => setTimeout(() => process.exit(42), 200)); ${SLEEPER}`;
    const { child, done } = startCli([...RUN, process.execPath, '-e', script, marker], dir);
    await waitFor(marker);
    const secretsDir = readFileSync(marker, 'utf8');
    child.kill('SIGTERM');
    const { code } = await done;
    assert.equal(code, 42);
    assert.ok(!existsSync(secretsDir));
  });

  test('while a child runs, no secret value is on any command line or in any environment block', async () => {
    const marker = join(scratch, 'proc.dir');
    const { child, done } = startCli([...RUN, process.execPath, '-e', SLEEPER, marker], dir);
    await waitFor(marker);
    let scanned = 0;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      scanned++;
      for (const [name, value] of Object.entries(canaries))
        assert.ok(
          !cmdline.includes(value) && !cmdline.includes(value.split('/')[0]!.concat('/')),
          `${name} in argv of ${pid}`,
        );
    }
    assert.ok(scanned > 3, 'scanned too few processes');
    // files mode: envplane's and the child's environments hold paths, never values
    for (const pid of [child.pid, ...childrenOf(child.pid!)]) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      for (const value of Object.values(canaries)) assert.ok(!environ.includes(value), `a value in environ of ${pid}`);
    }
    child.kill('SIGTERM');
    assert.equal((await done).code, 143);
  });

  test('stale directories of a SIGKILLed envplane are removed by the next run', async () => {
    const marker = join(scratch, 'killed.dir');
    const { child } = startCli([...RUN, process.execPath, '-e', SLEEPER, marker], dir);
    await waitFor(marker);
    const secretsDir = readFileSync(marker, 'utf8');
    const grandchildren = childrenOf(child.pid!);
    // Checked the moment envplane is gone (runs of other test files clean orphans too, by design).
    const leftBehind = new Promise<boolean>((resolve) => child.once('exit', () => resolve(existsSync(secretsDir))));
    child.kill('SIGKILL'); // no cleanup can run
    assert.ok(await leftBehind, 'expected the orphan to exist right after SIGKILL');
    for (const pid of grandchildren) process.kill(pid, 'SIGKILL');
    const r = runCli([...RUN, process.execPath, '-e', '0'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(secretsDir), 'orphaned secrets directory was not cleaned');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('run: refusals, argv, modes', () => {
  test('a required secret without a value: exit 2, names it and envplane setup, child never starts', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    rmSync(join(dir, 'secrets', 'postgres_password.txt'));
    writeFileSync(join(dir, 'secrets', 'secret_key.txt'), '\n'); // empty counts as missing
    const marker = join(tempDir(), 'started');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`;
    const r = runCli(['run', '--debug', ...RUN.slice(1), process.execPath, '-e', script], { cwd: dir });
    for (const value of Object.values(canaries))
      assert.ok(!`${r.stdout}${r.stderr}`.includes(value), 'a value in an error');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /postgres_password \(secrets\/postgres_password\.txt\)/);
    assert.match(r.stderr, /secret_key/);
    assert.match(r.stderr, /envplane setup --env development/);
    assert.ok(!existsSync(marker), 'the child ran');
  });

  test('the secrets directory is made in /dev/shm (memory, not disk) on a machine that has it', () => {
    assert.ok(existsSync('/dev/shm'), 'this test needs /dev/shm (Linux)');
    const { dir } = fourPlanesWithSecrets();
    const out = join(tempDir(), 'r.json');
    const r = runCli([...RUN, process.execPath, '-e', PROBE, out], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const seen = readReport(out);
    assert.match(seen.env.ENVPLANE_SECRETS_DIR ?? '', /^\/dev\/shm\/envplane-run-/);
    assert.ok(Object.keys(seen.files).length > 0);
  });

  test('an optional secret without a value is simply not delivered', () => {
    const { dir } = fourPlanesWithSecrets();
    rmSync(join(dir, 'secrets', 'aws_access_key_id.txt'));
    const out = join(tempDir(), 'r.json');
    const r = runCli([...RUN, process.execPath, '-e', PROBE, out], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const seen = readReport(out);
    assert.ok(!('aws_access_key_id' in seen.files));
    assert.ok('aws_secret_access_key' in seen.files);
    assert.equal(seen.env.AWS_ACCESS_KEY_ID_FILE, process.env.AWS_ACCESS_KEY_ID_FILE);
  });

  test('an external store cannot be read locally: exit 2 with a hint', () => {
    const { dir } = fourPlanesWithSecrets();
    const r = runCli(['run', '--env', 'prod', '--service', 'backend', '--', process.execPath, '-e', '0'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /external secret Reactrine_postgres_password/);
  });

  test('a config value holding a NUL (raw, or compose-go\'s "\\0000"): exit 2 at file:line, child never starts', () => {
    const { dir } = fourPlanesWithSecrets();
    const marker = join(dir, 'started');
    for (const line of ['ENVIRONMENT=dev\0elopment', 'ENVIRONMENT="dev\\0000x"']) {
      writeFileSync(join(dir, 'config', 'dev.env'), `DEBUG=true\n${line}\n`);
      const r = runCli([...RUN, process.execPath, '-e', `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`], {
        cwd: dir,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /config\/dev\.env:2: ENVIRONMENT holds a NUL character/);
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.ok(!existsSync(marker));
    }
  });

  test('usage errors: no command, no `--`, bad --secrets, unknown command', () => {
    const { dir } = fourPlanesWithSecrets();
    assert.equal(runCli(['run', '--env', 'dev', '--service', 'backend'], { cwd: dir }).code, 2);
    assert.equal(runCli(['run', '--env', 'dev', '--service', 'backend', '--'], { cwd: dir }).code, 2);
    const bad = runCli(['run', '--env', 'dev', '--service', 'backend', '--secrets=envs', '--', 'true'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--secrets must be/);
    const missing = runCli([...RUN, 'no-such-command-envplane'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /command not found: no-such-command-envplane/);
  });

  test('arguments with shell metacharacters reach the child verbatim and run nothing', () => {
    const { dir } = fourPlanesWithSecrets();
    const work = tempDir();
    const out = join(work, 'r.json');
    const hostile = [
      `$(touch ${work}/pwned1)`,
      `; touch ${work}/pwned2`,
      `\`touch ${work}/pwned3\``,
      '*',
      '\'"',
      '--env',
    ];
    const r = runCli([...RUN, process.execPath, '-e', PROBE, out, ...hostile], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readReport(out).argv, hostile);
    assert.deepEqual(
      readdirSync(work).filter((f) => f.startsWith('pwned')),
      [],
    );
  });

  test('--secrets=env: values as upper-cased variables, a warning, no directory', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const out = join(tempDir(), 'r.json');
    const r = runCli(
      ['run', '--env', 'dev', '--service', 'worker', '--secrets=env', '--', process.execPath, '-e', PROBE, out],
      {
        cwd: dir,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: --secrets=env puts 2 secret\(s\) in environment variables/);
    const seen = readReport(out);
    assert.equal(seen.env.POSTGRES_PASSWORD, canaries.postgres_password);
    assert.equal(seen.env.OPENAI_API_KEY, canaries.openai_api_key);
    assert.equal(seen.env.ENVPLANE_SECRETS_DIR, undefined);
    assert.deepEqual(seen.files, {});
    for (const value of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
  });

  test('--secrets=env: a secret value holding a NUL is exit 2 naming the secret and its file; --secrets=files delivers it', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const value = `${canaries.openai_api_key}\0tail-canary`;
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), `${value}\n`, { mode: 0o600 });
    const argv = ['run', '--env', 'dev', '--service', 'worker'];
    const out = join(tempDir(), 'r.json');
    for (const debug of [[], ['--debug']]) {
      const r = runCli([...argv, '--secrets=env', ...debug, '--', process.execPath, '-e', PROBE, out], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /--secrets=env: secret openai_api_key \(secrets\/openai_api_key\.txt\) holds a NUL character[\s\S]*hint: /,
      );
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.ok(!existsSync(out), 'the child started');
      for (const v of [...Object.values(canaries), 'tail-canary']) assert.ok(!`${r.stdout}${r.stderr}`.includes(v));
    }
    const r = runCli([...argv, '--', process.execPath, '-e', PROBE, out], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readReport(out).files.openai_api_key?.content, value);
  });

  test('--secrets=env refuses a secret that would replace a config key of the same name', () => {
    const dir = tempDir('envplane-clash-');
    writeFileSync(
      join(dir, 'envplane.yaml'),
      'project: clash\nenvironments:\n  development:\n    config: [app.env]\n    secrets: { store: files, dir: secrets }\n' +
        'keys:\n  API_TOKEN: config\n  api_token: secret\nservices:\n  app: { uses: [API_TOKEN, api_token] }\n',
    );
    writeFileSync(join(dir, 'app.env'), 'API_TOKEN=public-part\n');
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'api_token.txt'), 'canary-clash-value\n', { mode: 0o600 });
    const argv = ['run', '--env', 'development', '--service', 'app'];
    const r = runCli([...argv, '--secrets=env', '--', process.execPath, '-e', '0'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /secret api_token and config key API_TOKEN would share a variable/);
    assert.ok(!r.stderr.includes('canary-clash-value'));
    assert.equal(runCli([...argv, '--', process.execPath, '-e', '0'], { cwd: dir }).code, 0);
  });

  test('a nested run does not pass the outer instance’s secret pointers on', () => {
    const { dir } = fourPlanesWithSecrets();
    const out = join(tempDir(), 'r.json');
    const inner = [
      process.execPath,
      CLI,
      'run',
      '--env',
      'dev',
      '--service',
      'frontend',
      '--',
      process.execPath,
      '-e',
      PROBE,
      out,
    ];
    const r = runCli([...RUN, ...inner], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const seen = readReport(out);
    assert.equal(seen.env.ENVPLANE_SECRETS_DIR, undefined);
    assert.equal(seen.env.POSTGRES_PASSWORD_FILE, undefined);
    assert.equal(seen.env.VITE_API_URL, 'http://localhost:8000/api/v1');
  });
});

describe('run --redact', () => {
  test('values split across writes, base64, URL- and JSON-encoded are replaced on stdout and stderr', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const script = `
      const fs = require('node:fs');
      const v = fs.readFileSync(process.env.POSTGRES_PASSWORD_FILE, 'utf8');
      const k = fs.readFileSync(process.env.SECRET_KEY_FILE, 'utf8');
      process.stdout.write('split:' + v.slice(0, 9));
      setTimeout(() => {
        process.stdout.write(v.slice(9) + '\\n');
        process.stdout.write('b64:' + Buffer.from(v).toString('base64') + '\\n');
        process.stdout.write('json:' + JSON.stringify({ k }) + '\\n');
        process.stderr.write('url:' + encodeURIComponent(k) + '\\n');
        process.stderr.write('tail:' + k);
      }, 300);`;
    const r = runCli([...RUN.slice(0, -1), '--redact', '--', process.execPath, '-e', script], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^split:\[REDACTED:postgres_password\]\n/);
    assert.match(r.stdout, /b64:\[REDACTED:postgres_password\]\n/);
    assert.match(r.stdout, /json:\{"k":"\[REDACTED:secret_key\]"\}/);
    assert.match(r.stderr, /url:\[REDACTED:secret_key\]\ntail:\[REDACTED:secret_key\]$/);
    const all = `${r.stdout}${r.stderr}`;
    for (const value of Object.values(canaries)) {
      for (const form of [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)])
        assert.ok(!all.includes(form), 'a secret form survived');
      assert.ok(!all.includes(value.slice(-12)), 'the second half of a split value survived');
    }
  });

  test('into a reader that quits early (| head): the child meets the closed pipe and decides the exit code', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const marker = join(tempDir(), 'dir');
    const script = `
      const fs = require('node:fs');
      fs.writeFileSync(process.argv[1], process.env.ENVPLANE_SECRETS_DIR);
      process.stdout.on('error', (e) => process.exit(e.code === 'EPIPE' || e.code === 'ECONNRESET' ? 42 : 1));
      const v = fs.readFileSync(process.env.POSTGRES_PASSWORD_FILE, 'utf8');
      const line = () => { for (let i = 0; i < 100; i++) process.stdout.write('value ' + v + '\\n'); setImmediate(line); };
      line();`;
    // Unhandled, the write error on envplane's stdout was an internal error, exit 1.
    const p = spawnSync(
      'bash',
      [
        '-c',
        '"$@" | head -n 3; echo "envplane exit ${PIPESTATUS[0]}" >&2',
        'bash',
        process.execPath,
        CLI,
        ...RUN.slice(0, -1),
        '--redact',
        '--',
        process.execPath,
        '-e',
        script,
        marker,
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
    );
    assert.equal(p.stdout, 'value [REDACTED:postgres_password]\n'.repeat(3));
    assert.doesNotMatch(p.stderr, /internal error/);
    assert.match(p.stderr, /envplane exit 42\n$/);
    assert.ok(!existsSync(readFileSync(marker, 'utf8')), 'secrets directory left behind');
    for (const value of Object.values(canaries)) assert.ok(!`${p.stdout}${p.stderr}`.includes(value));
  });

  test('with --secrets=env too; exit code still passes through', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const r = runCli(
      [
        ...RUN.slice(0, -1),
        '--redact',
        '--secrets=env',
        '--',
        process.execPath,
        '-e',
        'console.log(process.env.POSTGRES_PASSWORD); process.exitCode = 5',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 5);
    assert.equal(r.stdout, '[REDACTED:postgres_password]\n');
    assert.ok(!r.stdout.includes(canaries.postgres_password!));
  });
});
