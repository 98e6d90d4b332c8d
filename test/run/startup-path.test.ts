/**
 * What `run` loads on a warm start, observed in the real process (a `--require` probe records Node's module list at
 * exit): not the YAML parser, the schema library or `node:crypto`, the three costliest things envplane could load
 * in front of every program. The design keeps them out (manifest cache, lazy bundles, the audit chain hashed without
 * node:crypto); this test keeps a refactoring from quietly bringing one back. Timing itself is `npm run bench`'s job.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, tempDir } from '../_helpers.ts';
import { fourPlanesWithSecrets } from './_project.ts';

interface Loaded {
  builtins: string[];
  files: string[];
}

describe('run: what a warm start loads', () => {
  test('no YAML parser, no schema library, no node:crypto; the audit line is still written', () => {
    const { dir } = fourPlanesWithSecrets();
    const scratch = tempDir('envplane-startup-');
    const report = join(scratch, 'loaded.json');
    const probe = join(scratch, 'probe.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({
        builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
        files: Object.keys(require.cache),
      })));\n`,
    );
    const env = { XDG_CACHE_HOME: join(scratch, 'cache'), NODE_OPTIONS: `--require ${probe}` };
    const args = ['run', '--env', 'dev', '--service', 'backend', '--', process.execPath, '-e', '0'];
    // The probe also loads into the child (NODE_OPTIONS is inherited), which exits first: the parent's report,
    // written last, is the one read.
    const cold = runCli(args, { cwd: dir, env });
    assert.equal(cold.code, 0, cold.stderr);
    const coldLoaded = JSON.parse(readFileSync(report, 'utf8')) as Loaded;
    assert.ok(
      coldLoaded.files.some((f) => f.includes('_lazy-project-load')),
      'the probe does not see a cold start load the full loader: it would not see a warm one either',
    );

    const warm = runCli(args, { cwd: dir, env });
    assert.equal(warm.code, 0, warm.stderr);
    const loaded = JSON.parse(readFileSync(report, 'utf8')) as Loaded;
    assert.ok(loaded.builtins.includes('child_process'), 'the probe saw the parent');
    assert.ok(!loaded.builtins.some((m) => m === 'crypto' || m.startsWith('internal/crypto/')), 'node:crypto loaded');
    assert.deepEqual(
      loaded.files.map((f) => f.split('/').pop()).filter((f) => /^(_lazy-project-load|_lazy-io-atomic)/.test(f!)),
      [],
      'the full loader (YAML, valibot) or the crypto-backed writer was loaded on a warm start',
    );
    assert.deepEqual(
      loaded.files.map((f) => f.split('/').pop()).filter((f) => f!.startsWith('_lazy-stores-')),
      [],
      "a files store loaded another store's code (or its own write side) to run",
    );
    assert.ok(
      loaded.files.some((f) => f.endsWith('_lazy-audit-log.cjs')),
      'the audit bundle was not loaded',
    );
    const log = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(log.length, 2, 'one audit line per run');
  });
});
