/**
 * Secret values and their digests are compared with `crypto.timingSafeEqual` on buffers of equal length, never with
 * `===` (whose time depends on the first differing byte). `timingSafeEqual` is watched here: each comparison (the
 * rules, verify --live's verdict, the runtime) must go through it, with equal lengths, and still decide correctly.
 * A comparison rewritten with `===` fails this test.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { after, before, beforeEach, describe, test } from 'node:test';
import { instanceOf } from '../../src/resolve/instances.ts';
import type { Bundle } from '../../src/resolve/types.ts';
import { judge, type Owned, type ProbeReport } from '../../src/rules/_live-view.ts';
import { Secret } from '../../src/runtime/secret.ts';
import { check, of, project, strong } from './_fixture.ts';

const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
const original = crypto.timingSafeEqual;
const calls: [number, number][] = [];

describe('constant-time comparisons', () => {
  before(() => {
    crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([a.byteLength, b.byteLength]);
      return original(a, b);
    };
    syncBuiltinESMExports();
  });
  after(() => {
    crypto.timingSafeEqual = original;
    syncBuiltinESMExports();
  });
  beforeEach(() => {
    calls.length = 0;
  });

  const equalLengths = () => {
    assert.ok(calls.length > 0, 'no comparison went through timingSafeEqual');
    for (const [a, b] of calls) assert.equal(a, b, 'timingSafeEqual on buffers of different lengths');
  };

  test('secret-reused: the digests of two environments', () => {
    const value = strong();
    const same = check(
      project({ 'secrets/db_password.txt': `${value}\n`, 'secrets-prod/db_password.txt': `${value}\n` }),
    );
    assert.equal(of(same, 'secret-reused').length, 1);
    equalLengths();
    calls.length = 0;
    // Same length, one character apart: still told apart, through the same comparison.
    const other = `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    const apart = check(
      project({ 'secrets/db_password.txt': `${value}\n`, 'secrets-prod/db_password.txt': `${other}\n` }),
    );
    assert.equal(of(apart, 'secret-reused').length, 0);
    equalLengths();
  });

  test('dockerfile-secret: an ARG value against every known secret', () => {
    const value = strong();
    const dir = project({
      'secrets/db_password.txt': `${value}\n`,
      'services/api/Dockerfile': `FROM python:3.12\nARG SEED=${value}\nARG OTHER=plain-setting\n`,
    });
    const found = of(check(dir), 'dockerfile-secret');
    assert.deepEqual(
      found.map((p) => p.location?.line),
      [2],
    );
    equalLengths();
  });

  test('verify --live: what an instance sees against every secret of the environment', () => {
    const hex = (v: string) => createHash('sha256').update(v).digest('hex');
    const bundle: Bundle = {
      environment: 'development',
      instance: instanceOf('api'),
      layers: [],
      config: [{ key: 'MODE', plane: 'config', value: 'x', source: { kind: 'unset' }, shadowed: [] }],
      secrets: [],
      build: [],
    };
    const table: Owned[] = [{ secret: 'token', owner: 'worker', digest: Buffer.from(hex('worker-token'), 'hex') }];
    const seen = (mode: string): ProbeReport => ({ env: { MODE: hex(mode) }, files: {}, reachable: [] });
    assert.deepEqual(judge(bundle, seen('worker-token'), table).foreign, [
      { seenAs: 'env MODE', secret: 'token', owner: 'worker' },
    ]);
    assert.deepEqual(judge(bundle, seen('worker-tokeN'), table).foreign, []);
    equalLengths();
  });

  test('Secret.equals in the runtime', () => {
    const secret = new Secret('api_key', 'a-value-of-some-length');
    assert.ok(secret.equals('a-value-of-some-length'));
    assert.ok(!secret.equals('a-value'));
    assert.ok(!secret.equals(''));
    equalLengths();
    assert.equal(calls.length, 3);
  });
});
