/**
 * Secret values and their digests are compared with `crypto.timingSafeEqual` on buffers of equal length, never with
 * `===` (whose time depends on the first differing byte). `timingSafeEqual` is watched here: each comparison must go
 * through it, with equal lengths, and still decide correctly. A comparison rewritten with `===` fails this test.
 */
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { after, before, beforeEach, describe, test } from 'node:test';
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

  test('Secret.equals in the runtime', () => {
    const secret = new Secret('api_key', 'a-value-of-some-length');
    assert.ok(secret.equals('a-value-of-some-length'));
    assert.ok(!secret.equals('a-value'));
    assert.ok(!secret.equals(''));
    equalLengths();
    assert.equal(calls.length, 3);
  });
});
