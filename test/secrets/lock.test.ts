import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { verifyChain } from '../../src/audit/chain.ts';
import { withLock } from '../../src/io/lock.ts';
import { readRotationState } from '../../src/stores/state.ts';
import { CLI, copyExample, runCli, tempDir } from '../_helpers.ts';

function run(dir: string, args: string[], input = ''): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.end(input);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('project lock', () => {
  it('concurrent rotate and setup runs lose no update: every rotation is in the state file and the audit chain', async () => {
    const dir = copyExample('service-scoped');
    for (const t of ['wex', 'techcorp', 'acme']) {
      const p = join(dir, `.env.etl.${t}`);
      writeFileSync(p, readFileSync(p, 'utf8').replace(/^(ENCRYPTION_KEY|JIRA_TOKEN)=.*$/gm, ''));
    }
    const jobs: Promise<{ code: number | null; stderr: string }>[] = [];
    const tenants = ['wex', 'techcorp', 'acme'];
    for (const t of tenants) {
      jobs.push(run(dir, ['rotate', 'ENCRYPTION_KEY', '--env', 'dev', '--tenant', t]));
      jobs.push(run(dir, ['rotate', 'JIRA_TOKEN', '--env', 'dev', '--tenant', t, '--from-stdin'], `jira-${t}\n`));
    }
    jobs.push(run(dir, ['setup']), run(dir, ['setup']));
    const results = await Promise.all(jobs);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const state = readRotationState(dir);
    for (const t of tenants) {
      assert.ok(state.secrets[`development/ENCRYPTION_KEY@${t}`], `ENCRYPTION_KEY@${t} recorded`);
      assert.equal(state.secrets[`development/JIRA_TOKEN@${t}`]?.by, 'rotate');
      assert.equal(readFileSync(join(dir, 'secrets', t, 'JIRA_TOKEN.txt'), 'utf8'), `jira-${t}\n`);
    }
    const log = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8');
    const report = verifyChain(log);
    assert.equal(report.broken, undefined);
    // Each rotation is an intent line, then its outcome: six of each, every one done.
    const rotations = report.entries.filter((e) => e.command === 'rotate');
    assert.equal(rotations.filter((e) => e.phase === 'intent').length, 6);
    assert.equal(rotations.filter((e) => e.phase === 'done').length, 6);
    assert.equal(rotations.length, 12);
    assert.equal(existsSync(join(dir, '.envplane', 'lock')), false, 'the lock is released');
  });

  it('breaks a stale lock whose owner is dead, and times out on a live one', () => {
    const root = tempDir();
    mkdirSync(join(root, '.envplane'), { mode: 0o700 });
    // A pid far above pid_max (4194304 on Linux) is never alive.
    writeFileSync(join(root, '.envplane', 'lock'), '99999999\n');
    assert.equal(
      withLock(root, () => 'ran'),
      'ran',
    );
    assert.equal(existsSync(join(root, '.envplane', 'lock')), false);

    // The parent of this test process is alive: its lock is respected until the wait ends.
    writeFileSync(join(root, '.envplane', 'lock'), `${process.ppid}\n`);
    const started = Date.now();
    assert.throws(() => withLock(root, () => 'ran', { timeoutMs: 300 }), /another envplane run holds the project lock/);
    assert.ok(Date.now() - started >= 300);
    assert.equal(readFileSync(join(root, '.envplane', 'lock'), 'utf8'), `${process.ppid}\n`);
  });

  it('tells a recycled pid from the lock owner by its start time (Linux /proc)', () => {
    const root = tempDir();
    mkdirSync(join(root, '.envplane'), { mode: 0o700 });
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    // The same live pid with its real start time: the owner, respected.
    writeFileSync(join(root, '.envplane', 'lock'), `${process.ppid} ${started}\n`);
    assert.throws(() => withLock(root, () => 'ran', { timeoutMs: 200 }), /holds the project lock/);
    // The same pid with another start time: a process that died, its pid since given to someone else.
    writeFileSync(join(root, '.envplane', 'lock'), `${process.ppid} 1\n`);
    assert.equal(
      withLock(root, () => 'ran', { timeoutMs: 2_000 }),
      'ran',
    );
  });

  it('is re-entrant within one process', () => {
    const root = tempDir();
    assert.equal(
      withLock(root, () => withLock(root, () => 42)),
      42,
    );
  });

  it('a CLI run waiting on a held lock fails with exit 1 and writes nothing', () => {
    const dir = copyExample('four-planes');
    mkdirSync(join(dir, '.envplane'), { mode: 0o700 });
    writeFileSync(join(dir, '.envplane', 'lock'), `${process.pid}\n`);
    const r = runCli(['setup'], { cwd: dir, env: { ENVPLANE_LOCK_TIMEOUT_MS: '200' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /holds the project lock \(pid \d+\)/);
    assert.equal(existsSync(join(dir, 'secrets', 'postgres_password.txt')), false);
  });
});
