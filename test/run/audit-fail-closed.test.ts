/**
 * run writes its audit line while the child starts (off the start-up path). It must stay fail-closed: when the
 * line cannot be written, the child is stopped and run fails, so no unaudited run completes.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../_helpers.ts';
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
});
