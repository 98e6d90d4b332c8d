/**
 * compose-go's own `.env` cases (../shared/conformance/compose-go.json, outside this repository on purpose): every
 * expected map must come out exactly, every error case must fail on the line compose-go names — without echoing the
 * offending text, as compose-go does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDotenv } from '../../src/dotenv/index.ts';
import { EnvplaneError } from '../../src/errors.ts';
import { SHARED } from '../_helpers.ts';

interface Case {
  name: string;
  input: string;
  env?: Record<string, string>;
  expected?: Record<string, string>;
  error?: string;
}

const FILE = join(SHARED, 'conformance', 'compose-go.json');
const EXPECTED_CASES = 108;

let cases: Case[] = [];
let loadError: unknown;
try {
  cases = JSON.parse(readFileSync(FILE, 'utf8')) as Case[];
} catch (error) {
  loadError = error;
}

/**
 * The input compose-go quotes back in its message, which ours must not contain: the rest of the line from the
 * opening quote, or the whole line around a bad key. A bare quote (`KEY='`) echoes nothing of a value.
 */
function echoedText(error: string): string | undefined {
  const unterminated = /unterminated quoted value (.*)$/s.exec(error)?.[1];
  if (unterminated !== undefined) return unterminated.length > 1 ? unterminated : undefined;
  return /in variable name "(.*)"$/s.exec(error)?.[1];
}

describe('compose-go conformance', () => {
  let ran = 0;

  it(`reads ${FILE}`, () => {
    assert.ifError(loadError);
    assert.ok(Array.isArray(cases));
  });

  cases.forEach((c, i) => {
    it(`${i + 1}. ${c.name}`, () => {
      ran++;
      const options = c.env ? { lookup: c.env } : {};
      if (c.error === undefined) {
        assert.deepStrictEqual(parseDotenv(c.input, options), c.expected);
        return;
      }
      const composeError = c.error;
      assert.throws(
        () => parseDotenv(c.input, options),
        (err: unknown) => {
          assert.ok(err instanceof EnvplaneError, `not an EnvplaneError: ${String(err)}`);
          assert.equal(err.kind, 'input');
          const line = /^line (\d+):/.exec(composeError)?.[1];
          if (line !== undefined) {
            assert.match(err.message, new RegExp(`\\bline ${line}\\b`));
            assert.equal(err.location?.line, Number(line));
          } else {
            assert.match(err.message, /\bline \d+\b/);
          }
          if (composeError.startsWith('required variable')) assert.ok(err.message.includes(composeError), err.message);
          const echoed = echoedText(composeError);
          if (echoed !== undefined)
            assert.ok(!err.message.includes(echoed), `message echoes the input: ${err.message}`);
          return true;
        },
      );
    });
  });

  it(`ran exactly ${EXPECTED_CASES} cases`, () => {
    assert.equal(cases.length, EXPECTED_CASES);
    assert.equal(ran, EXPECTED_CASES);
  });
});
