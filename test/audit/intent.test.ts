/**
 * A change and its audit lines: the intent is on disk before the change is visible, an outcome follows; when the
 * intent cannot be written nothing changes; when the change fails the outcome says `failed` and nothing changed; an
 * I/O error is a located failure (exit 1), never an internal error. And the chain's tail: an anchor in state.json,
 * `audit anchor` / `verify --anchor`, a lag of one line accepted, invalid UTF-8 counted as tampering.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { lineHash } from '../../src/audit/chain.ts';
import { CLI, hashTree, REPO, runCli } from '../_helpers.ts';
import { fourPlanesWithSecrets } from '../run/_project.ts';

const FAULTS = join(REPO, 'test', '_faults.cjs');
const logOf = (dir: string) => join(dir, '.envplane', 'audit.log');
const entries = (dir: string) =>
  existsSync(logOf(dir))
    ? readFileSync(logOf(dir), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { command: string; action: string; phase?: string; secrets: string[] })
    : [];

function withFaults(args: string[], cwd: string, faults: object[], input = '') {
  return runCli(args, {
    cwd,
    input,
    env: { NODE_OPTIONS: `--require ${FAULTS}`, ENVPLANE_FAULTS: JSON.stringify(faults) },
  });
}

/** Runs the CLI under `ulimit -f <blocks>` (512-byte blocks): writes past that size fail with EFBIG. */
function withFileLimit(args: string[], cwd: string, bytes: number) {
  const blocks = Math.floor(bytes / 512);
  const r = spawnSync('/bin/sh', ['-c', `ulimit -f ${blocks} && exec "$@"`, 'sh', process.execPath, CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** Grows the log past `bytes` with lines that chain, written by the real CLI (reads of `export`). */
function growLog(dir: string, bytes: number): void {
  while (!existsSync(logOf(dir)) || statSync(logOf(dir)).size < bytes)
    assert.equal(runCli(['rotate', 'secret_key', '--env', 'dev'], { cwd: dir }).code, 0);
}

function assertClean(r: { code: number | null; stdout: string; stderr: string }, canaries: Record<string, string>) {
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.match(r.stderr, /\.envplane\/(audit\.log|state\.json)|secrets\//);
  for (const v of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(v), 'a value in the output');
}

describe('a change and its audit lines', () => {
  for (const [name, args] of [
    ['rotate', ['rotate', 'postgres_password', '--env', 'dev']],
    ['rotate --rollback', ['rotate', 'postgres_password', '--env', 'dev', '--rollback']],
    ['setup', ['setup', '--env', 'dev']],
    [
      'export -o --include-secrets',
      ['export', '--env', 'dev', '--service', 'backend', '--include-secrets', '-o', 'out.env'],
    ],
  ] as const)
    test(`${name} with the log past the file-size limit (EFBIG): exit 1 naming the log, nothing changed`, () => {
      const { dir, canaries } = fourPlanesWithSecrets();
      // Something to roll back to, and something for setup to create.
      assert.equal(runCli(['rotate', 'postgres_password', '--env', 'dev'], { cwd: dir }).code, 0);
      growLog(dir, 4096);
      if (name === 'setup') rmSync(join(dir, 'secrets', 'secret_key.txt'));
      const size = statSync(logOf(dir)).size;
      const before = hashTree(dir);
      // A limit inside the log (EFBIG at once), and one just past its end (a short write, then EFBIG).
      for (const limit of [size - 600, size + 100]) {
        const r = withFileLimit([...args], dir, limit);
        assert.equal(r.signal, null, `killed by ${r.signal}`);
        assertClean(r, canaries);
        assert.match(r.stderr, /cannot write \.envplane\/audit\.log: EFBIG/);
        assert.deepEqual(hashTree(dir), before, 'the tree changed');
      }
    });

  test('the intent line is written before the change, the outcome after it', () => {
    const { dir } = fourPlanesWithSecrets();
    assert.equal(runCli(['rotate', 'postgres_password', '--env', 'dev'], { cwd: dir }).code, 0);
    const [intent, done] = entries(dir).slice(-2);
    assert.deepEqual([intent?.phase, done?.phase], ['intent', 'done']);
    assert.deepEqual(intent?.secrets, ['postgres_password']);
    const v = runCli(['audit', 'verify', '--json'], { cwd: dir });
    assert.equal(v.code, 0, v.stdout);
    assert.deepEqual(JSON.parse(v.stdout).unfinished, []);
  });

  test('a change that fails after its intent: `failed` follows, the secret and state.json are as they were', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    assert.equal(runCli(['rotate', 'postgres_password', '--env', 'dev'], { cwd: dir }).code, 0);
    const secret = readFileSync(join(dir, 'secrets', 'postgres_password.txt'), 'utf8');
    const previous = readFileSync(join(dir, 'secrets', 'postgres_password.txt.previous'), 'utf8');
    const state = JSON.parse(readFileSync(join(dir, '.envplane', 'state.json'), 'utf8'));
    // The rename that would put the new value in place fails.
    const r = withFaults(['rotate', 'postgres_password', '--env', 'dev'], dir, [
      { op: 'renameSync', path: 'postgres_password.txt', errno: 'EIO' },
    ]);
    assertClean(r, canaries);
    assert.equal(readFileSync(join(dir, 'secrets', 'postgres_password.txt'), 'utf8'), secret);
    assert.equal(readFileSync(join(dir, 'secrets', 'postgres_password.txt.previous'), 'utf8'), previous);
    const after = JSON.parse(readFileSync(join(dir, '.envplane', 'state.json'), 'utf8'));
    assert.deepEqual(after.secrets, state.secrets, 'the rotation time was recorded for a change that was not made');
    assert.deepEqual(
      entries(dir)
        .slice(-2)
        .map((e) => e.phase),
      ['intent', 'failed'],
    );
  });

  test('an outcome line that cannot be written: exit 1 saying the change was made; the intent records it', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const secret = readFileSync(join(dir, 'secrets', 'postgres_password.txt'), 'utf8');
    // The second open of the log for writing is the outcome's.
    const r = withFaults(['rotate', 'postgres_password', '--env', 'dev'], dir, [
      { op: 'openSync', path: 'audit.log', errno: 'ENOSPC', nth: 3 },
    ]);
    assertClean(r, canaries);
    assert.match(r.stderr, /the change was made, but its audit outcome line was not/);
    assert.notEqual(readFileSync(join(dir, 'secrets', 'postgres_password.txt'), 'utf8'), secret);
    assert.equal(entries(dir).at(-1)?.phase, 'intent');
    const v = runCli(['audit', 'verify', '--json'], { cwd: dir });
    assert.equal(v.code, 0, v.stdout);
    assert.equal(JSON.parse(v.stdout).unfinished.length, 1);
  });
});

describe('the tail of the chain', () => {
  const project = () => {
    const { dir } = fourPlanesWithSecrets();
    for (let i = 0; i < 3; i++) assert.equal(runCli(['rotate', 'secret_key', '--env', 'dev'], { cwd: dir }).code, 0);
    return dir;
  };
  const verify = (dir: string, ...more: string[]) => {
    const r = runCli(['audit', 'verify', '--json', ...more], { cwd: dir });
    return { code: r.code, out: JSON.parse(r.stdout) as { ok: boolean; anchors: { ok: boolean; lag?: number }[] } };
  };
  const lines = (dir: string) => readFileSync(logOf(dir), 'utf8').split('\n').filter(Boolean);

  test('state.json holds the head; verify is ok', () => {
    const dir = project();
    const state = JSON.parse(readFileSync(join(dir, '.envplane', 'state.json'), 'utf8'));
    assert.equal(state.audit.lines, lines(dir).length);
    const v = verify(dir);
    assert.equal(v.code, 0);
    assert.deepEqual(v.out.anchors, [{ anchor: 'state', ok: true, lag: 0 }]);
  });

  test('removing the last line, or the whole log, is detected: exit 1', () => {
    const dir = project();
    const ls = lines(dir);
    writeFileSync(logOf(dir), `${ls.slice(0, -1).join('\n')}\n`);
    assert.equal(verify(dir).code, 1);
    writeFileSync(logOf(dir), '');
    assert.equal(verify(dir).code, 1);
    const text = runCli(['audit', 'verify'], { cwd: dir });
    assert.match(text.stdout, /broken: .*lines were removed from its end/);
  });

  test('an anchor one line behind (an append cut short before recording it) is not tampering; two lines are', () => {
    const dir = project();
    const statePath = join(dir, '.envplane', 'state.json');
    const older = readFileSync(statePath, 'utf8');
    // One more change: two lines (intent, done). Put back the anchor as it was after the first of them.
    assert.equal(runCli(['rotate', 'secret_key', '--env', 'dev'], { cwd: dir }).code, 0);
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    const ls = lines(dir);
    writeFileSync(statePath, JSON.stringify({ ...state, audit: { lines: ls.length - 1, head: lineHash(ls.at(-2)!) } }));
    const lag = verify(dir);
    assert.equal(lag.code, 0);
    assert.equal(lag.out.anchors[0]?.lag, 1);
    writeFileSync(statePath, older);
    assert.equal(verify(dir).code, 1);
  });

  test('audit anchor prints the head; verify --anchor checks it after the log grew, and after a forged state', () => {
    const dir = project();
    const a = runCli(['audit', 'anchor'], { cwd: dir });
    assert.equal(a.code, 0, a.stderr);
    const anchor = a.stdout.split('\n')[0]!;
    assert.match(anchor, /^\d+:[0-9a-f]{64}$/);
    assert.equal(runCli(['rotate', 'secret_key', '--env', 'dev'], { cwd: dir }).code, 0);
    assert.equal(verify(dir, '--anchor', anchor).code, 0);
    // Someone removes lines below the kept anchor and rewrites state.json to match: the kept anchor still tells.
    const count = Number(anchor.split(':')[0]);
    const ls = lines(dir).slice(0, count - 1);
    writeFileSync(logOf(dir), `${ls.join('\n')}\n`);
    const statePath = join(dir, '.envplane', 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    writeFileSync(statePath, JSON.stringify({ ...state, audit: { lines: ls.length, head: lineHash(ls.at(-1)!) } }));
    assert.equal(verify(dir).code, 0, 'the forged state matches the shortened log');
    assert.equal(verify(dir, '--anchor', anchor).code, 1);
    assert.equal(runCli(['audit', 'verify', '--anchor', 'nonsense'], { cwd: dir }).code, 2);
  });

  test('a byte that is not UTF-8 in the log is tampering (exit 1, at its line), not an input error', () => {
    const dir = project();
    appendFileSync(logOf(dir), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
    const r = runCli(['audit', 'verify'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`audit\\.log:${lines(dir).length}: not valid UTF-8`));
    assert.equal(runCli(['audit', 'anchor'], { cwd: dir }).code, 1);
  });
});
