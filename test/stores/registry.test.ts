/**
 * The stores registry: every store location is read through its store in one batch per store, layer locations from
 * the parsed layers, and the answers come back in the order asked.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadProject } from '../../src/project/load.ts';
import { findEnvironment } from '../../src/resolve/instances.ts';
import { describeLocation, isStoreCredential, readStoreValues, STORES } from '../../src/stores/index.ts';
import { copyExample } from '../_helpers.ts';

describe('stores registry', () => {
  test('reads file, layer and external locations in the order asked', async () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, 'secrets', 'secret_key.txt'), 'from-the-file\n', { mode: 0o600 });
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), 'crlf\r\n', { mode: 0o600 });
    const project = loadProject({ dir });
    const environment = findEnvironment(project.manifest, 'development');
    const layerFile = Object.keys(project.layers)[0]!;
    const entry = project.layers[layerFile]![0]!;
    const values = await readStoreValues(
      { root: project.root, manifest: project.manifest, environment },
      [
        { name: 'openai_api_key', location: { kind: 'file', path: 'secrets/openai_api_key.txt' } },
        { name: 'x', location: { kind: 'external', name: 'app_x' } },
        { name: entry.key, location: { kind: 'layer', file: layerFile, line: entry.line } },
        { name: 'secret_key', location: { kind: 'file', path: 'secrets/secret_key.txt' } },
        { name: 'missing', location: { kind: 'file', path: 'secrets/not-there.txt' } },
      ],
      project.layers,
    );
    assert.deepEqual(values, ['crlf', undefined, entry.value, 'from-the-file', undefined]);
  });

  test('a path leaving the project is refused before anything is read', async () => {
    const dir = copyExample('four-planes');
    const project = loadProject({ dir });
    const environment = findEnvironment(project.manifest, 'development');
    await assert.rejects(
      readStoreValues({ root: project.root, manifest: project.manifest, environment }, [
        { name: 'x', location: { kind: 'file', path: '../outside.txt' } },
      ]),
      /leaves the project/,
    );
  });

  test('locations are described by their store', () => {
    assert.equal(describeLocation({ kind: 'file', path: 'secrets/a.txt' }), 'secrets/a.txt');
    assert.equal(describeLocation({ kind: 'external', name: 'app_a' }), 'external secret app_a');
    assert.equal(describeLocation({ kind: 'layer', file: '.env', line: 3 }), '.env:3');
  });

  test('credential variables come from the stores that declare them', () => {
    const declared = Object.values(STORES).flatMap((s) => [...s.credentials]);
    for (const pattern of declared) {
      const name = pattern.endsWith('*') ? `${pattern.slice(0, -1)}ANYTHING` : pattern;
      assert.ok(isStoreCredential(name), name);
    }
    for (const name of ['PATH', 'HOME', 'DATABASE_URL', 'ENVPLANE_SECRETS_DIR']) assert.ok(!isStoreCredential(name));
  });
});
