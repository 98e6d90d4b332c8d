/**
 * run's manifest cache (project/load-cached.ts) must never change what an instance receives: an edited manifest is
 * seen at once, a damaged or foreign cache entry is ignored, and errors still come located from the full loader.
 */
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, tempDir } from '../_helpers.ts';
import { fourPlanesWithSecrets, PROBE, readReport } from './_project.ts';

describe('run: manifest cache', () => {
  const cacheHome = tempDir('envplane-cache-');
  const env = { XDG_CACHE_HOME: cacheHome };
  const cacheFiles = () => readdirSync(join(cacheHome, 'envplane', 'manifests'));

  function probe(dir: string): ReturnType<typeof readReport> {
    const out = join(tempDir(), 'r.json');
    const r = runCli(
      ['run', '--env', 'dev', '--service', 'worker', '--pristine', '--', process.execPath, '-e', PROBE, out],
      {
        cwd: dir,
        env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    return readReport(out);
  }

  test('an edited manifest takes effect on the next run; one cache file per project', () => {
    const { dir } = fourPlanesWithSecrets();
    assert.ok('LLM_PROVIDER' in probe(dir).env);
    assert.equal(cacheFiles().length, 1);
    assert.ok('LLM_PROVIDER' in probe(dir).env, 'second run, from the cache');
    const manifest = join(dir, 'envplane.yaml');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace('LOG_LEVEL, ENVIRONMENT, LLM_PROVIDER,', 'LOG_LEVEL, ENVIRONMENT,'),
    );
    const after = probe(dir);
    assert.ok(!('LLM_PROVIDER' in after.env), 'the edit was not seen');
    assert.equal(cacheFiles().length, 1);
  });

  test('a damaged, foreign-looking or group-writable cache entry is ignored', () => {
    const { dir } = fourPlanesWithSecrets();
    probe(dir);
    const file = join(cacheHome, 'envplane', 'manifests', cacheFiles()[0]!);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as {
      key: string;
      manifest: { services: Record<string, { uses: string[] }> };
    };
    // A widened entry with the right key, but writable by the group: must not be trusted.
    entry.manifest.services.worker!.uses.push('secret_key');
    writeFileSync(file, JSON.stringify(entry));
    chmodSync(file, 0o664);
    assert.ok(!('secret_key' in probe(dir).files), 'a group-writable cache entry was trusted');
    writeFileSync(file, '{not json');
    chmodSync(file, 0o600);
    assert.ok('postgres_password' in probe(dir).files);
  });

  test('a layer removed after caching: the located error of the full loader, exit 2', () => {
    const { dir } = fourPlanesWithSecrets();
    probe(dir);
    rmSync(join(dir, 'config', 'dev.env'));
    const r = runCli(['run', '--env', 'dev', '--service', 'worker', '--', process.execPath, '-e', '0'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /envplane\.yaml:\d+:\d+: layer file config\/dev\.env does not exist/);
  });

  test('ENVPLANE_NO_CACHE=1 writes no cache', () => {
    const { dir } = fourPlanesWithSecrets();
    const home = tempDir('envplane-nocache-');
    const r = runCli(['run', '--env', 'dev', '--service', 'worker', '--', process.execPath, '-e', '0'], {
      cwd: dir,
      env: { XDG_CACHE_HOME: home, ENVPLANE_NO_CACHE: '1' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(home), []);
  });
});
