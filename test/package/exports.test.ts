/**
 * The package as users import it: the built `dist/index.mjs` (what `import … from 'envplane'` loads) and the
 * runtime entry, not the sources.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REPO } from '../_helpers.ts';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const entry = (path: string) => import(pathToFileURL(join(REPO, path)).href);

describe('package exports', () => {
  it('the root exports parseDotenv and serializeDotenv with the documented behaviour', async () => {
    const lib = await entry(pkg.exports['.'].default);
    assert.deepEqual(lib.parseDotenv('A=1\nB="${A}-x"\nC=${HOME}\n', { lookup: { HOME: '/h' } }), {
      A: '1',
      B: '1-x',
      C: '/h',
    });
    const values = { TOKEN: 'a "quoted" $value\nwith # two lines', EMPTY: '' };
    assert.deepEqual(lib.parseDotenv(lib.serializeDotenv(values)), values);
    assert.throws(
      () => lib.parseDotenv('OK=1\nBAD="s3cret-v4lue\n'),
      (error: Error) =>
        error instanceof Error && /line 2/.test(error.message) && !error.message.includes('s3cret-v4lue'),
    );
  });

  it('the root exports the loader and the resolver', async () => {
    const lib = await entry(pkg.exports['.'].default);
    const project = lib.loadProject({ dir: join(REPO, 'examples', 'service-scoped'), lookup: {} });
    const bundle = lib.resolveBundle(
      project.manifest,
      project.layers,
      lib.findEnvironment(project.manifest, 'dev'),
      lib.findInstance(project.manifest, 'etl', 'wex'),
    );
    assert.equal(bundle.instance.id, 'etl@wex');
  });

  it('the runtime entry and the schema are where package.json says', async () => {
    const runtime = await entry(pkg.exports['./runtime'].default);
    assert.equal(typeof runtime.createEnv, 'function');
    const schema = JSON.parse(readFileSync(join(REPO, pkg.exports['./schema.json']), 'utf8'));
    assert.equal(schema.type, 'object');
    assert.ok(readFileSync(join(REPO, pkg.bin.envplane), 'utf8').startsWith('#!/usr/bin/env node'));
  });
});
