/** Secret-shaped strings: found where they are, quiet on ordinary text. (Linear time on hostile
 * input is a growth check in `npm run bench`, bench/growth.ts: CPU-time ratios flake on a loaded machine.) */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPatterns, looksRandom } from '../../src/scan/patterns.ts';
import { buildScanner, scanContent } from '../../src/scan/scanner.ts';
import { mulberry32, seededBytes as randomBytes, TEST_SEED } from '../_random.ts';

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

test('random tokens look random: at least 95% of 2000 seeded 20-byte draws in base64, 99% in hex and of 32 bytes', () => {
  // A fresh draw is not always random-looking (no digit, too much `+/`, a low-entropy run): about 2% of 20-byte
  // base64 values are not. The property is the rate, over a fixed seeded sample; the seed is printed.
  const next = mulberry32(TEST_SEED);
  const rate = (bytes: number, encoding: 'base64' | 'hex') => {
    let yes = 0;
    for (let i = 0; i < 2000; i++) if (looksRandom(randomBytes(bytes, next).toString(encoding))) yes++;
    return yes / 2000;
  };
  const short = rate(20, 'base64');
  assert.ok(short >= 0.95, `20-byte base64: ${short}`);
  for (const [bytes, encoding] of [
    [20, 'hex'],
    [32, 'base64'],
    [32, 'hex'],
  ] as const) {
    const r = rate(bytes, encoding);
    assert.ok(r >= 0.99, `${bytes}-byte ${encoding}: ${r}`);
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
