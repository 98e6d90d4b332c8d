/**
 * The parser against arbitrary text (fast-check): it returns plain string values or throws its own located error —
 * an input EnvplaneError whose message says `line N`, whose location is a real line and column of the text, with a
 * hint — and never any other exception. A canary planted in values never shows in an error message.
 * ENVPLANE_DEEP=1 runs fifty times as many cases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDotenv } from '../../src/dotenv/index.ts';
import { EnvplaneError } from '../../src/errors.ts';

const NUM_RUNS = process.env.ENVPLANE_DEEP ? 100_000 : 2_000;
const CANARY = 'qZ7canaryXw';

// Everything the scanner treats specially, so that quotes, escapes, templates and comments open and close often.
const special = fc.constantFrom(
  ...'\n\r\'"\\$#{}:=?-+ \t`\0xAZ_.09',
  '\r\n',
  '${',
  '${A',
  '${A:-',
  '${A:?',
  ':?',
  '}',
  'export ',
  '\\n',
  '\\0101',
  ' #',
  '\uFEFF',
  '\u2028',
  'é',
  '𝐀',
);
const text = fc.oneof(
  fc.string({ unit: special, maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  // Lines that look like assignments, so the fuzz reaches values, quotes and interpolation, not only key errors.
  fc
    .array(
      fc.tuple(
        fc.constantFrom('A', 'B_1', 'export C', 'a.b', 'K-1', ' D ', ''),
        fc.constantFrom('=', ':', ' = ', ''),
        fc.string({ unit: special, maxLength: 20 }),
      ),
      { maxLength: 6 },
    )
    .map((lines) => lines.map(([k, sep, v]) => `${k}${sep}${v}`).join('\n')),
);

function lineCount(s: string): number {
  return s.split('\n').length;
}

/** Throws unless `error` is the parser's own located input error for `input`. */
function assertLocated(error: unknown, input: string): void {
  assert.ok(error instanceof EnvplaneError, `not an EnvplaneError: ${String(error)}`);
  assert.equal(error.kind, 'input');
  const line = /^line (\d+): /.exec(error.message)?.[1];
  assert.ok(line !== undefined, `no "line N:" in ${JSON.stringify(error.message)}`);
  assert.equal(error.location?.line, Number(line), 'the message and the location name the same line');
  assert.ok(Number(line) >= 1 && Number(line) <= lineCount(input), `line ${line} of ${lineCount(input)}`);
  assert.ok((error.location?.column ?? 0) >= 1, 'a column');
  assert.ok(error.hint !== undefined && error.hint.length > 0, `no hint for ${JSON.stringify(error.message)}`);
}

describe('dotenv: the parser on arbitrary text (property)', () => {
  it(`returns string values or throws its own located error (${NUM_RUNS} runs)`, () => {
    fc.assert(
      fc.property(text, fc.dictionary(fc.constantFrom('A', 'B_1', 'Z'), fc.string({ maxLength: 5 })), (input, env) => {
        let result: Record<string, string>;
        try {
          result = parseDotenv(input, { lookup: env });
        } catch (error) {
          assertLocated(error, input);
          return;
        }
        assert.equal(Object.getPrototypeOf(result), Object.prototype);
        for (const v of Object.values(result)) assert.equal(typeof v, 'string');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never quotes a value back in its error message', () => {
    // `${X:?message}` prints its message by design, so `?` is left out of the values here.
    const value = fc.string({ unit: special.filter((c) => !c.includes('?')), maxLength: 20 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('', '"', "'"),
        (parts, quote) => {
          const input = parts.map(([a, b], i) => `K${i}=${quote}${a}${CANARY}${b}`).join('\n');
          try {
            parseDotenv(input);
          } catch (error) {
            assertLocated(error, input);
            assert.ok(!(error as EnvplaneError).message.includes(CANARY), (error as EnvplaneError).message);
            assert.ok(!((error as EnvplaneError).hint ?? '').includes(CANARY), (error as EnvplaneError).hint);
          }
        },
      ),
      { numRuns: NUM_RUNS / 2 },
    );
  });
});
