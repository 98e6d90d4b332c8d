import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EnvplaneError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import { editManifest, type ManifestEdit, renderManifest } from '../../src/manifest/write.ts';
import { REPO } from '../_helpers.ts';

const EXAMPLE = readFileSync(join(REPO, 'examples', 'service-scoped', 'envplane.yaml'), 'utf8');

test('renderManifest writes the schema hint, comments with reasons, and a manifest that parses back', () => {
  const text = renderManifest(
    {
      project: 'x',
      environments: {
        development: { aliases: ['dev'], config: ['config/common.env'], secrets: { store: 'files', dir: 'secrets' } },
      },
      tenants: ['a', 'b'],
      keys: {
        PORT: { plane: 'config', default: '8080', comment: 'config: a port' },
        db_password: { plane: 'secret', required: false, fileEnv: 'DB_PASS_FILE' },
        YES: { plane: 'config', default: 'yes' },
      },
      services: { etl: { perTenant: true, uses: ['PORT', 'db_password', 'YES'], config: ['.env.etl.{tenant}'] } },
    },
    'node_modules/envplane/schema/envplane.schema.json',
  );
  assert.equal(
    text.split('\n')[0],
    '# yaml-language-server: $schema=node_modules/envplane/schema/envplane.schema.json',
  );
  assert.match(text, /# config: a port\n\s+PORT:/);
  const m = parseManifest(text);
  assert.equal(m.keys.PORT?.default, '8080');
  assert.equal(m.keys.YES?.default, 'yes');
  assert.equal(m.keys.db_password?.required, false);
  assert.equal(m.keys.db_password?.fileEnv, 'DB_PASS_FILE');
  assert.deepEqual(m.services.etl?.tenants, ['a', 'b']);
  assert.deepEqual(m.services.etl?.config, ['.env.etl.{tenant}']);
});

test('editManifest inserts text and keeps every byte the user wrote', () => {
  const edits: ManifestEdit[] = [
    {
      kind: 'add-key',
      name: 'NEW_TOKEN',
      key: { plane: 'secret', comment: 'secret: the name contains the word TOKEN' },
    },
    { kind: 'add-key', name: 'npm_token', key: { plane: 'build', required: false } },
    { kind: 'add-uses', service: 'backend', names: ['NEW_TOKEN', 'REDIS_HOST'] },
    { kind: 'add-build', service: 'backend', names: ['npm_token'] },
    { kind: 'add-layer', environment: 'development', path: 'config/dev.env' },
  ];
  const out = editManifest(EXAMPLE, edits);
  // Removing the inserted text gives back the original exactly.
  const restored = out
    .replace('\n  # secret: the name contains the word TOKEN\n  NEW_TOKEN: secret', '')
    .replace('\n  npm_token: { plane: build, required: false }', '')
    .replace(', NEW_TOKEN]', ']')
    .replace('\n    build: [npm_token]', '')
    .replace(', config/dev.env]', ']');
  assert.equal(restored, EXAMPLE);
  const m = parseManifest(out);
  assert.ok(m.services.backend?.uses.includes('NEW_TOKEN'));
  assert.deepEqual(m.services.backend?.build, ['npm_token']);
  assert.deepEqual(m.environments[0]?.config, ['.env.shared', 'config/dev.env']);
  // Idempotent: the same edits again change nothing.
  assert.equal(editManifest(out, edits), out);
});

test('editManifest appends to block lists and creates missing sections', () => {
  const text =
    'project: p\n# envs\nenvironments:\n  development:\n    config:\n      - a.env  # first\nservices:\n  api:\n    uses:\n      - A\nkeys:\n  A: config\n';
  const out = editManifest(text, [
    { kind: 'add-layer', environment: 'development', path: 'b.env' },
    { kind: 'add-key', name: 'B', key: { plane: 'config' } },
    { kind: 'add-uses', service: 'api', names: ['B'] },
  ]);
  assert.equal(
    out,
    'project: p\n# envs\nenvironments:\n  development:\n    config:\n      - a.env  # first\n      - b.env\nservices:\n  api:\n    uses:\n      - A\n      - B\nkeys:\n  A: config\n  B: config\n',
  );
  const bare = editManifest('project: p\nenvironments:\n  development: {}\nservices:\n  api: {}\n', [
    { kind: 'add-key', name: 'B', key: { plane: 'config' } },
    { kind: 'add-uses', service: 'api', names: ['B'] },
  ]);
  assert.deepEqual(parseManifest(bare).services.api?.uses, ['B']);
});

test('an edit that would make the manifest invalid is refused with a location', () => {
  assert.throws(
    () => editManifest(EXAMPLE, [{ kind: 'add-uses', service: 'backend', names: ['NOPE'] }]),
    (e: unknown) => e instanceof EnvplaneError && e.kind === 'input' && e.location?.line !== undefined,
  );
  assert.throws(
    () => editManifest(EXAMPLE, [{ kind: 'add-uses', service: 'ghost', names: ['REDIS_HOST'] }]),
    /services\.ghost is missing/,
  );
  assert.throws(() => editManifest('project: [\n', []), EnvplaneError);
});
