/**
 * Manifest loading against damaged and arbitrary YAML (fast-check): both examples' manifests with random edits
 * (YAML syntax, tags, anchors, merge keys, tabs, fields and values of the wrong kind) either parse or fail with an
 * input EnvplaneError located in envplane.yaml at a real line, with a hint — never another exception.
 * ENVPLANE_DEEP=1 runs ten times as many cases.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EnvplaneError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import { REPO } from '../_helpers.ts';

const NUM_RUNS = process.env.ENVPLANE_DEEP ? 20_000 : 2_000;

const bases = ['four-planes', 'service-scoped'].map((name) =>
  readFileSync(join(REPO, 'examples', name, 'envplane.yaml'), 'utf8'),
);

const token = fc.constantFrom(
  ':',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '!!str ',
  '!!binary ',
  '!x ',
  '<<: *a\n',
  '\n',
  '  ',
  '\t',
  '"',
  "'",
  '#',
  '|\n',
  '>-\n',
  '? ',
  'null',
  '~',
  'yes',
  '0x1F',
  '1e3',
  '-.inf',
  'secret',
  'plane: ',
  'perTenant: true',
  'required: maybe',
  'uses: [',
  'generate: password:8',
  'maxAge: 0',
  '../',
  '{tenant}',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '\uFEFF',
  'é',
);

type Edit = { at: number; remove: number; insert: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 12 }),
  insert: fc.oneof(token, fc.string({ unit: token, maxLength: 4 }), fc.constant('')),
});

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = Math.floor(e.at * out.length);
    out = out.slice(0, at) + e.insert + out.slice(at + e.remove);
  }
  return out;
}

function assertParsesOrLocated(text: string): void {
  try {
    parseManifest(text);
  } catch (error) {
    assert.ok(error instanceof EnvplaneError, `not an EnvplaneError: ${String(error)}`);
    assert.equal(error.kind, 'input', error.message);
    assert.equal(error.location?.file, 'envplane.yaml', error.message);
    const line = error.location?.line ?? 0;
    assert.ok(line >= 1 && line <= text.split('\n').length + 1, `line ${line}: ${error.message}`);
    assert.ok(error.hint !== undefined && error.hint.length > 0, `no hint for: ${error.message}`);
  }
}

const CANARY = 'qZ7canaryXw';

describe('manifest: damaged and arbitrary YAML (property)', () => {
  it('quotes no source text in YAML and type errors, and makes the parser print no warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      fc.assert(
        fc.property(
          fc.string({ unit: fc.oneof(token, fc.constantFrom(CANARY, ` ${CANARY} `, 'k: ')), maxLength: 14 }),
          (text) => {
            try {
              parseManifest(text);
            } catch (error) {
              assert.ok(error instanceof EnvplaneError, `not an EnvplaneError: ${String(error)}`);
              // Field, key and service names are quoted on purpose (with a did-you-mean); source text and values never.
              if (/^invalid YAML|must be/.test(error.message))
                assert.ok(
                  !`${error.message} ${error.hint}`.includes(CANARY),
                  `${error.message} <= ${JSON.stringify(text)}`,
                );
            }
          },
        ),
        { numRuns: NUM_RUNS * 2 },
      );
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it(`an example manifest with random edits parses or fails located, with a hint (${NUM_RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...bases), fc.array(edit, { minLength: 1, maxLength: 4 }), (base, edits) =>
        assertParsesOrLocated(applyEdits(base, edits)),
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it(`arbitrary YAML-ish text parses or fails located, with a hint (${NUM_RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(token, fc.constantFrom(...'abcxyz019 ')), maxLength: 40 }), (text) =>
        assertParsesOrLocated(text),
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
