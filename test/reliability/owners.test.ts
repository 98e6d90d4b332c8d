/**
 * Secret files another account could have written are refused by every command that delivers a value and reported
 * by `check`, as ssh refuses such keys: a file or folder (up to the project folder) writable by group or others,
 * or owned by someone who is neither the running user, root, nor the project folder's owner. The owner cases need
 * another account's file, which only root can make (chown to nobody, 65534); CI runs as root.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { distrustOf } from '../../src/io/trust.ts';
import { copyExample, type CliResult, runCli } from '../_helpers.ts';
import { bundlesOf, fillSecretFiles } from '../targets/_tools.ts';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function project() {
  const dir = copyExample('four-planes');
  const values = fillSecretFiles(dir, bundlesOf(dir, 'development'));
  for (const path of values.keys()) chmodSync(join(dir, path), 0o600);
  chmodSync(join(dir, 'secrets'), 0o700);
  return { dir, values: [...values.values()] };
}

/** Every command that delivers a value, each with a marker that shows whether it got as far as delivering. */
function deliver(dir: string): { name: string; r: CliResult; delivered: boolean }[] {
  const ran = join(dir, 'RAN');
  const out: { name: string; r: CliResult; delivered: boolean }[] = [];
  const run = runCli(
    [
      'run',
      '--env',
      'dev',
      '--service',
      'backend',
      '--',
      process.execPath,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(ran)}, '')`,
    ],
    { cwd: dir },
  );
  out.push({ name: 'run', r: run, delivered: existsSync(ran) });
  const exp = runCli(['export', '--env', 'dev', '--service', 'backend', '--include-secrets', '-o', 'out.env'], {
    cwd: dir,
  });
  out.push({ name: 'export', r: exp, delivered: existsSync(join(dir, 'out.env')) });
  const k8s = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml'], { cwd: dir });
  out.push({ name: 'render k8s', r: k8s, delivered: existsSync(join(dir, 'k8s.yaml')) });
  return out;
}

function assertRefused(dir: string, values: string[], why: RegExp): void {
  for (const { name, r, delivered } of deliver(dir)) {
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /refusing to use secret file secrets\/\w+\.txt/, name);
    assert.match(r.stderr, why, name);
    assert.match(r.stderr, /hint: .*chown/, name);
    assert.ok(!delivered, `${name} delivered`);
    for (const v of values) assert.ok(!(r.stdout + r.stderr).includes(v), `${name} printed a value`);
  }
  const check = runCli(['check', '--env', 'dev', '--json'], { cwd: dir });
  assert.equal(check.code, 1);
  const problems = JSON.parse(check.stdout).problems.filter((p: { rule: string }) => p.rule === 'secret-untrusted');
  assert.ok(problems.length > 0, 'check does not report it');
  for (const p of problems) assert.match(p.message, why);
  for (const v of values) assert.ok(!check.stdout.includes(v));
}

function assertAccepted(dir: string): void {
  for (const { name, r, delivered } of deliver(dir)) {
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.ok(delivered, name);
  }
  const check = runCli(['check', '--env', 'dev', '--json'], { cwd: dir });
  assert.deepEqual(
    JSON.parse(check.stdout).problems.filter((p: { rule: string }) => p.rule === 'secret-untrusted'),
    [],
  );
}

describe('secret files another account could have written', () => {
  test('the verdict: owner, group- and world-writable, for files and folders', () => {
    const owners = new Set([0, 1000, 1001]);
    assert.equal(distrustOf({ uid: 1000, mode: 0o100600 }, owners, 'file'), undefined);
    assert.equal(distrustOf({ uid: 1001, mode: 0o40755 }, owners, 'folder'), undefined);
    assert.match(distrustOf({ uid: NOBODY, mode: 0o100600 }, owners, 'file')!, /owned by uid 65534/);
    assert.match(distrustOf({ uid: 0, mode: 0o100620 }, owners, 'file')!, /writable by its group \(mode 0620\)/);
    assert.match(distrustOf({ uid: 0, mode: 0o41777 }, owners, 'folder')!, /writable by anyone \(mode 1777\)/);
  });

  test('a world-writable secrets/ folder: refused by run, export and render; reported by check', () => {
    const { dir, values } = project();
    chmodSync(join(dir, 'secrets'), 0o777);
    assertRefused(dir, values, /its folder secrets\/ is writable by anyone \(mode 0777\)/);
    chmodSync(join(dir, 'secrets'), 0o700);
    assertAccepted(dir);
  });

  test('a group-writable secret file, and a project folder others can write (a parent folder)', () => {
    const { dir, values } = project();
    chmodSync(join(dir, 'secrets', 'secret_key.txt'), 0o620);
    assertRefused(
      dir,
      values,
      /secrets\/secret_key\.txt.* is writable by its group \(mode 0620\)|it is writable by its group/,
    );
    chmodSync(join(dir, 'secrets', 'secret_key.txt'), 0o600);
    chmodSync(dir, 0o777);
    assertRefused(dir, values, /the project folder is writable by anyone/);
    chmodSync(dir, 0o700);
    assertAccepted(dir);
  });

  test('a secret file or folder owned by another account (nobody) is refused; the checkout owner is trusted', () => {
    assert.ok(asRoot, 'this test makes files owned by another account: run the suite as root (CI does)');
    const { dir, values } = project();
    chownSync(join(dir, 'secrets', 'postgres_password.txt'), NOBODY, NOBODY);
    assertRefused(dir, values, /owned by uid 65534, who is neither you, root, nor the owner of the project folder/);
    chownSync(join(dir, 'secrets', 'postgres_password.txt'), 0, 0);
    chownSync(join(dir, 'secrets'), NOBODY, NOBODY);
    assertRefused(dir, values, /its folder secrets\/ is owned by uid 65534/);
    // CI: root runs over a checkout owned by the runner's user (1001 here). That owner is trusted everywhere.
    const chownTree = (path: string) => {
      chownSync(path, 1001, 1001);
      if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
    };
    chownTree(dir);
    writeFileSync(join(dir, 'x'), '');
    assertAccepted(dir);
  });
});
