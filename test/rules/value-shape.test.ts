/** `check`'s judgement of a config value shares init's detector of credentials inside URLs and connection strings.
 * (That detector's linear time on hostile input is a growth check in `npm run bench`, bench/growth.ts.) */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeSecretValue } from '../../src/rules/_value-shape.ts';

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
