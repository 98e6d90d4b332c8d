/**
 * Modes of what setup and migrate create or keep: templates and `.gitkeep` are committed and public by design, 0644
 * (setup made them 0600 while the docs said 0644); a store folder that migrate writes secrets into is 0700 even when
 * it existed at 0755 (migrate left it as it was).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, copyExample, runCli, tempDir } from '../_helpers.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('modes', () => {
  test('setup: templates and .gitkeep 0644 under any umask; the folder 0700', () => {
    for (const umask of ['077', '000', '022']) {
      const dir = tempDir('envplane-modes-');
      writeFileSync(
        join(dir, 'envplane.yaml'),
        'project: modes\nenvironments:\n  development:\n    config: []\n    secrets: { store: files, dir: secrets }\nkeys:\n  api_token: secret\nservices:\n  app: { uses: [api_token] }\n',
      );
      const r = spawnSync(
        '/bin/sh',
        ['-c', `umask ${umask}; exec "$0" "$@"`, process.execPath, CLI, 'setup', '--env', 'development'],
        { cwd: dir, encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(mode(join(dir, 'secrets', 'api_token.txt.example')), 0o644, `umask ${umask}`);
      assert.equal(mode(join(dir, 'secrets', '.gitkeep')), 0o644, `umask ${umask}`);
      assert.equal(mode(join(dir, 'secrets')), 0o700);
    }
  });

  test('migrate: an existing secrets/ at 0755 becomes 0700 once secrets are written into it', () => {
    const dir = copyExample('service-scoped');
    chmodSync(join(dir, 'secrets'), 0o755);
    const r = runCli(['migrate', '--env', 'development'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(mode(join(dir, 'secrets')), 0o700);
    for (const tenant of ['wex', 'acme', 'techcorp']) assert.equal(mode(join(dir, 'secrets', tenant)), 0o700, tenant);
  });
});
