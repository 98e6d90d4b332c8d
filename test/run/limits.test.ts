/**
 * Values too large for one environment variable (Linux: MAX_ARG_STRLEN, 131,072 bytes for `NAME=value`): spawn
 * failed with E2BIG, reported as an internal error. Now exit 2 naming the key and where it comes from, nothing
 * started; a file (the default --secrets=files) still delivers such a secret.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, runCli, tempDir } from '../_helpers.ts';
import { fourPlanesWithSecrets } from './_project.ts';

describe('run: values too large for an environment variable', () => {
  test('a ~200 KB secret with --secrets=env: exit 2 naming it; --secrets=files delivers it', () => {
    const { dir } = fourPlanesWithSecrets();
    const big = `canary-big-${'x'.repeat(200_000)}`;
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), `${big}\n`, { mode: 0o600 });
    const marker = join(tempDir(), 'started');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, require('node:fs').readFileSync(process.env.OPENAI_API_KEY_FILE ?? '/dev/null', 'utf8').length + '')`;
    const argv = ['run', '--env', 'dev', '--service', 'worker'];
    const r = runCli([...argv, '--secrets=env', '--', process.execPath, '-e', script], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /secret openai_api_key \(secrets\/openai_api_key\.txt\) is \d+ bytes as an environment variable/,
    );
    assert.match(r.stderr, /hint: .*--secrets=files/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.ok(!r.stderr.includes('canary-big'));
    assert.ok(!existsSync(marker), 'the child started');
    const ok = runCli([...argv, '--', process.execPath, '-e', script], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(readFileSync(marker, 'utf8'), String(big.length));
  });

  test('a config value over 140 KB: exit 2 naming the key and its file:line', () => {
    const { dir } = fourPlanesWithSecrets();
    writeFileSync(join(dir, 'config', 'dev.env'), `DEBUG=true\nENVIRONMENT=${'y'.repeat(140_000)}\n`);
    const r = runCli(['run', '--env', 'dev', '--service', 'backend', '--', process.execPath, '-e', '0'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /config key ENVIRONMENT \(config\/dev\.env:2\) is \d+ bytes as an environment variable/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });

  test('an environment too large as a whole (E2BIG from the system): exit 2, not an internal error', () => {
    const { dir } = fourPlanesWithSecrets();
    // With a 2 MB stack the system allows 512 KB of arguments and environment (a quarter of it): envplane starts
    // with 500 KB inherited, and the bundle's config pushes the child's over it, each variable under its own limit.
    const env: Record<string, string> = {};
    for (let i = 0; i < 5; i++) env[`ENVPLANE_TEST_FILL_${i}`] = 'z'.repeat(100_000);
    writeFileSync(join(dir, 'config', 'dev.env'), `DEBUG=true\nENVIRONMENT=${'y'.repeat(120_000)}\n`);
    const s = spawnSync(
      '/bin/sh',
      [
        '-c',
        'ulimit -s 2048 && exec "$@"',
        'sh',
        process.execPath,
        CLI,
        ...['run', '--env', 'dev', '--service', 'backend', '--', process.execPath, '-e', '0'],
      ],
      { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, encoding: 'utf8' },
    );
    const r = { code: s.status, stderr: s.stderr };
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /too large \(E2BIG\)/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });
});
