/**
 * run writes its audit line while the child starts (off the start-up path). It must stay fail-closed: when the
 * line cannot be written, the child is stopped and run fails, so no unaudited run completes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO, runCli, tempDir } from '../_helpers.ts';

const FAULTS = join(REPO, 'test', '_faults.cjs');
import { fourPlanesWithSecrets } from './_project.ts';

describe('run: the audit line', () => {
  test('is written for a normal run, with names only', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const r = runCli(['run', '--env', 'dev', '--service', 'worker', '--', process.execPath, '-e', '0'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const log = readdirSync(join(dir, '.envplane')).includes('audit.log');
    assert.ok(log, 'no audit.log');
    for (const value of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
  });

  test('that cannot be written stops the child and fails the run', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    rmSync(join(dir, '.envplane'), { recursive: true, force: true });
    writeFileSync(join(dir, '.envplane'), 'not a directory');
    // The child would sleep two minutes, beyond runCli's one-minute limit: only a run that stops it when the audit
    // append fails exits with 1 and the message below (no wall-clock bound, which a loaded machine could break).
    const r = runCli(
      ['run', '--env', 'dev', '--service', 'worker', '--', process.execPath, '-e', 'setTimeout(() => {}, 120000)'],
      {
        cwd: dir,
      },
    );
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stderr, /the audit line could not be written, so the command was stopped/);
    for (const value of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
  });

  // SIGTERM alone let a child that traps it read and print its secret and finish normally. The audit append is made
  // to fail only once the child (and a grandchild it starts) trap TERM, so that the test shows the escalation: the
  // child never gets past its trap, whatever the grace is; before, envplane waited for it forever.
  test('a child that traps SIGTERM, and what it started, are killed: no unaudited run completes', {
    timeout: 120_000,
  }, () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const scratch = tempDir('envplane-audit-kill-');
    const ready = join(scratch, 'ready');
    const pids = join(scratch, 'pids');
    const trapped = join(scratch, 'trapped');
    // The grandchild traps TERM and waits; the child starts it, traps TERM, reports both pids, then waits; each
    // prints the secret only when it ends on its own.
    const grandchild = `process.on('SIGTERM', () => require('node:fs').appendFileSync(${JSON.stringify(trapped)}, 'g')); process.stdout.write('ready'); setInterval(() => {}, 1 << 30); process.on('exit', () => console.log(require('node:fs').readFileSync(process.env.SECRET, 'utf8')));`;
    const child = `const fs = require('node:fs'); const { spawn } = require('node:child_process');
process.on('SIGTERM', () => fs.appendFileSync(${JSON.stringify(trapped)}, 'c'));
process.on('exit', () => console.log(fs.readFileSync(process.env.SECRET_KEY_FILE, 'utf8')));
const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { env: { SECRET: process.env.SECRET_KEY_FILE }, stdio: ['ignore', 'pipe', 'inherit'] });
g.stdout.once('data', () => { fs.writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + g.pid); fs.writeFileSync(${JSON.stringify(ready)}, 'yes'); });
setInterval(() => {}, 1 << 30);`;
    const faults = JSON.stringify([{ op: 'openSync', path: 'audit.log', errno: 'EIO', waitFor: ready }]);
    const r = runCli(
      ['run', '--env', 'dev', '--service', 'backend', '--pristine', '--', process.execPath, '-e', child],
      {
        cwd: dir,
        env: { NODE_OPTIONS: `--require ${FAULTS}`, ENVPLANE_FAULTS: faults },
      },
    );
    assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stderr, /the audit line could not be written, so the command was stopped: .*EIO/);
    assert.doesNotMatch(r.stderr, /internal error/);
    for (const value of Object.values(canaries))
      assert.ok(!`${r.stdout}${r.stderr}`.includes(value), 'a secret was printed');
    assert.equal(readFileSync(trapped, 'utf8').includes('c'), true, 'the child never saw the TERM it trapped');
    for (const pid of readFileSync(pids, 'utf8').split(' ').map(Number)) assert.ok(!isAlive(pid), `${pid} still runs`);
  });
});

/** Alive and not a zombie (a killed grandchild waits for its new parent to reap it). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
