/**
 * The examples are meant to be copied: their `$schema` hint must keep working in the copy. It names the schema where
 * installing envplane puts it (the same line `init` writes), not `../../schema/…`, which only resolves inside this
 * checkout. A copy with envplane installed (node_modules/envplane, here a link to this package) resolves the hint to
 * a schema the example's manifest passes.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { REPO, tempDir } from '../_helpers.ts';
import { assertPortableSchemaHint } from './_schema-hint.ts';

describe("the examples' schema hint", () => {
  for (const example of ['four-planes', 'service-scoped'])
    it(`${example}: portable, and resolves in a copy where envplane is installed`, () => {
      const dir = tempDir(`envplane-copy-${example}-`);
      cpSync(join(REPO, 'examples', example), dir, { recursive: true });
      const text = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
      const ref = assertPortableSchemaHint(text, dir);
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(REPO, join(dir, 'node_modules', 'envplane'));
      const schema = JSON.parse(readFileSync(resolve(dir, ref), 'utf8'));
      const ajv = new Ajv.default({ strict: false, allErrors: true });
      const validate = ajv.compile(schema);
      assert.ok(validate(parse(text)), JSON.stringify(validate.errors));
    });
});
