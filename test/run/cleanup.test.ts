/**
 * When the secrets directory goes: with the child, not with the last holder of its output pipes (`--redact` with a
 * background grandchild); and the sweep for orphans of a SIGKILLed envplane leaves a directory alone while the child
 * that reads it still runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, runCli, tempDir } from '../_helpers.ts';
import { fourPlanesWithSecrets } from './_project.ts';

const RUN = ['run', '--env', 'development', '--service', 'backend'];

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const written = (path: string) => existsSync(path) && readFileSync(path, 'utf8') !== '';

describe('run: the secrets directory', () => {
  test('--redact: removed when the child exits, though a background grandchild still holds its output open', async () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const scratch = tempDir('envplane-redact-bg-');
    const marker = join(scratch, 'dir');
    const release = join(scratch, 'release');
    // The grandchild keeps stdout (the redactor's pipe) open until the test releases it.
    const grandchild = `const fs = require('node:fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(release)})) { clearInterval(t); } }, 20);`;
    const child = `const { spawn } = require('node:child_process'); require('node:fs').writeFileSync(${JSON.stringify(marker)}, process.env.ENVPLANE_SECRETS_DIR);
spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: ['ignore', 'inherit', 'inherit'], detached: true }).unref();`;
    const envplane = spawn(process.execPath, [CLI, ...RUN, '--redact', '--', process.execPath, '-e', child], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    envplane.stdout.on('data', (d) => {
      out += d;
    });
    envplane.stderr.on('data', (d) => {
      out += d;
    });
    const done = new Promise<number | null>((resolve) => envplane.on('close', resolve));
    await waitUntil(() => written(marker), 'the child');
    const secretsDir = readFileSync(marker, 'utf8');
    try {
      await waitUntil(() => !existsSync(secretsDir), 'the secrets directory to go while the grandchild holds the pipe');
    } finally {
      writeFileSync(release, 'go');
    }
    assert.equal(await done, 0, out);
    for (const value of Object.values(canaries)) assert.ok(!out.includes(value));
  });

  test('the orphan sweep leaves the directory of a SIGKILLed envplane alone while its child still runs', async () => {
    const { dir } = fourPlanesWithSecrets();
    const scratch = tempDir('envplane-orphan-live-');
    const marker = join(scratch, 'dir');
    const sleeper = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, process.env.ENVPLANE_SECRETS_DIR); setInterval(() => {}, 1 << 30);`;
    const envplane = spawn(process.execPath, [CLI, ...RUN, '--', process.execPath, '-e', sleeper], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    await waitUntil(() => written(marker), 'the child');
    const secretsDir = readFileSync(marker, 'utf8');
    // envplane records its child beside the directory once it has started; wait for that record, then kill it.
    await waitUntil(() => written(`${secretsDir}.child`), 'the record of the child');
    const childPid = Number(readFileSync(`${secretsDir}.child`, 'utf8').split(' ')[0]);
    assert.ok(childPid > 1);
    const gone = new Promise((resolve) => envplane.once('exit', resolve));
    envplane.kill('SIGKILL');
    await gone;
    try {
      // Another run sweeps orphans: the child still reads its secrets, so they stay.
      assert.equal(runCli([...RUN, '--', process.execPath, '-e', '0'], { cwd: dir }).code, 0);
      assert.ok(existsSync(secretsDir), 'the sweep removed the secrets of a child that still runs');
      assert.ok(existsSync(join(secretsDir, 'postgres_password')));
    } finally {
      process.kill(childPid, 'SIGKILL');
    }
    await waitUntil(() => !existsSync(`/proc/${childPid}`) || stateOf(childPid) === 'Z', 'the child to end');
    assert.equal(runCli([...RUN, '--', process.execPath, '-e', '0'], { cwd: dir }).code, 0);
    assert.ok(!existsSync(secretsDir), 'the orphan was not removed once its child had ended');
    assert.ok(!existsSync(`${secretsDir}.child`));
  });
});

function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] ?? '';
  } catch {
    return '';
  }
}
