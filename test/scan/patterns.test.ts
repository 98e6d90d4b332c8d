/** Secret-shaped strings: found where they are, quiet on ordinary text, and linear on hostile input. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { findPatterns, looksRandom } from '../../src/scan/patterns.ts';
import { buildScanner, scanContent } from '../../src/scan/scanner.ts';
import { GROWTH, growthRatio, SUPERLINEAR } from '../_growth.ts';

const ids = (text: string) => findPatterns(text).map((h) => h.pattern);

test('finds PEM private keys, AWS key ids, GitHub tokens and high-entropy assignments', () => {
  assert.deepEqual(ids('x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE...'), ['private-key']);
  assert.deepEqual(ids('-----BEGIN OPENSSH PRIVATE KEY-----'), ['private-key']);
  assert.deepEqual(ids('key_id: AKIAIOSFODNN7EXAMPLE,'), ['aws-access-key-id']);
  assert.deepEqual(ids(`token ghp_${'a1B2c3D4e5'.repeat(4).slice(0, 36)} end`), ['github-token']);
  assert.deepEqual(ids(`gho_${'Z9y8X7w6V5'.repeat(4).slice(0, 36)}`), ['github-token']);
  assert.deepEqual(ids(`github_pat_11ABCDEFG0${'xY3_'.repeat(15)}`), ['github-token']);
  const random = randomBytes(32).toString('base64');
  assert.deepEqual(ids(`API_SECRET=${random}\n`), ['high-entropy-assignment']);
  assert.deepEqual(ids(`  "apiKey": "${random}",`), ['high-entropy-assignment']);
  assert.deepEqual(ids(`SIGNING_KEY = '${randomBytes(32).toString('hex')}'`), ['high-entropy-assignment']);
});

test('stays quiet on ordinary text, code and configuration', () => {
  const ordinary = [
    'ALLOWED_ORIGINS_STR=http://localhost:3000,http://localhost:5173',
    'DATABASE_NAME=reactrine_development_database',
    'VERSION=1.2.3-beta.4+build.5678',
    'PATH=/usr/local/bin:/usr/bin:/bin',
    'const publicKey = "-----BEGIN PUBLIC KEY-----";',
    'AKIAIOSFODNN7EXAMPLEX is too long to be a key id; xAKIAIOSFODNN7EXAMPLE is embedded',
    'ghp_short',
    'LOG_LEVEL=INFO',
    'message = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1',
  ].join('\n');
  assert.deepEqual(findPatterns(ordinary), []);
  assert.equal(looksRandom('aaaaaaaaaaaaaaaaaaaaaaaa1'), false);
  assert.equal(looksRandom(randomBytes(20).toString('base64')), true);
});

test('linear time on inputs built to make regexes backtrack', () => {
  // Each builds about `n` characters of a shape that makes a careless pattern backtrack.
  const hostile: Array<[string, (n: number) => string]> = [
    ['A…', (n) => 'A'.repeat(n)],
    ['a=…', (n) => 'a='.repeat(n / 2)],
    ['a: …', (n) => 'a: '.repeat(n / 3)],
    ['"a":"…', (n) => '"a":"'.repeat(n / 5)],
    ['x=Ab1+/…', (n) => `x=${'Ab1+/'.repeat(n / 5)}`],
    ['KEY=a1…', (n) => `KEY=${'a1'.repeat(n / 2)}`],
    ['AKIA…', (n) => 'AKIA'.repeat(n / 4)],
    ['-----BEGIN …', (n) => '-----BEGIN '.repeat(n / 11)],
    ['___…=', (n) => `${'_'.repeat(n)}=`],
    ['gh…', (n) => 'gh'.repeat(n / 2)],
    ['k. = Z9…', (n) => `${'k.'.repeat(n / 4)} = ${'Z9'.repeat(n / 4)}`],
  ];
  for (const [name, make] of hostile) {
    const ratio = growthRatio(make, findPatterns, 500_000);
    assert.ok(ratio < SUPERLINEAR, `${name}: ${GROWTH}× the input took ${ratio.toFixed(1)}× as long`);
  }
});

test('a known value is reported as the value, not again as a secret-shaped string', () => {
  const secret = randomBytes(32).toString('base64');
  const text = `one\nAPI_SECRET=${secret}\nOTHER_SECRET=${randomBytes(32).toString('base64')}\n`;
  const hits = scanContent(buildScanner([secret]), new TextEncoder().encode(text), () => text);
  assert.deepEqual(
    hits.values.map((h) => [h.line, h.column, h.encoding]),
    [[2, 12, 'literal']],
  );
  assert.deepEqual(
    hits.patterns.map((p) => [p.pattern, p.line, p.column]),
    [['high-entropy-assignment', 3, 1]],
  );
});
