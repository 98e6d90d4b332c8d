/** `check`'s judgement of a config value shares init's detector of credentials inside URLs and connection strings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialIn } from '../../src/credentials.ts';
import { looksLikeSecretValue } from '../../src/rules/_value-shape.ts';
import { GROWTH, growthRatio, SUPERLINEAR } from '../_growth.ts';

test('a config value holding a URL password (empty user too) or a Password= part looks like a secret', () => {
  for (const value of [
    'redis://:Pq7hunter2@cache:6379',
    'Server=db;Database=app;Password=Pq7hunter2;',
    'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Pq7hunter2==',
  ])
    assert.ok(looksLikeSecretValue(value), value);
  for (const value of ['redis://cache:6379', 'Server=db;Database=app;Trusted_Connection=True;'])
    assert.ok(!looksLikeSecretValue(value), value);
});

test('the credential detector is linear on inputs built to make it rescan', () => {
  const hostile: Array<[string, (n: number) => string]> = [
    ['a://…', (n) => 'a://'.repeat(n / 4)],
    ['a://u@…', (n) => `a://${'u@'.repeat(n / 2)}`],
    ['k=…', (n) => 'k='.repeat(n / 2)],
    ['Password="…', (n) => `Password=${'"'.repeat(n)}x`],
    ['x=;…', (n) => 'x=;'.repeat(n / 3)],
  ];
  for (const [name, make] of hostile) {
    const ratio = growthRatio(make, (v) => credentialIn(v), 200_000);
    assert.ok(ratio < SUPERLINEAR, `${name}: ${GROWTH}× the input took ${ratio.toFixed(1)}× as long`);
  }
});
