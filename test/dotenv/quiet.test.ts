/**
 * `${UNSET:?message}` on a secret's line: Compose prints the message, and envplane did too; on a secret's line the
 * message stands where the value does, so it is not quoted there. A config key's message is still shown.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseDotenvEntries } from '../../src/dotenv/index.ts';
import { copyExample, runCli } from '../_helpers.ts';

describe('a required-variable message on a secret line', () => {
  test('is not echoed for a secret key; still is for a config key', () => {
    const dir = copyExample('four-planes');
    const canary = 'canary-message-7c1e-value';
    appendFileSync(join(dir, 'config', 'dev.env'), `secret_key=\${ENVPLANE_TEST_UNSET_Q:?${canary}}\n`);
    for (const argv of [
      ['env', '--env', 'dev', '--service', 'backend'],
      ['check', '--env', 'dev'],
      ['run', '--env', 'dev', '--service', 'backend', '--', process.execPath, '-e', '0'],
    ]) {
      const r = runCli(argv, { cwd: dir });
      assert.equal(r.code, 2, `${argv[0]}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /config\/dev\.env:\d+(:\d+)?: (line \d+: )?required variable ENVPLANE_TEST_UNSET_Q is missing a value/,
      );
      assert.ok(!`${r.stdout}${r.stderr}`.includes(canary), `${argv[0]} echoed the message`);
    }
  });

  test('the parser quotes the message unless the key is quiet', () => {
    const text = 'A=${NOPE:?shown-text}\n';
    assert.throws(() => parseDotenvEntries(text, { file: 'x.env' }), /shown-text/);
    assert.throws(
      () => parseDotenvEntries(text, { file: 'x.env', quiet: (k) => k === 'A' }),
      (e: Error) => !e.message.includes('shown-text') && /missing a value/.test(e.message),
    );
  });
});
