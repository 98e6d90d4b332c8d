/**
 * Inputs built to make a parser slow or crash: a 10 MB line, a million lines, runs of quotes and backslashes, deep
 * and wide templates. Each must finish with the right result (the scanner is linear; these would time out, not
 * merely run slow, if it were not). Results are asserted, not timings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDotenv, parseDotenvEntries, serializeDotenv } from '../../src/dotenv/index.ts';
import { EnvplaneError } from '../../src/errors.ts';

const MB = 1024 * 1024;
const slow = { timeout: 120_000 };

describe('dotenv: hostile input', () => {
  it('reads a 10 MB unquoted line', slow, () => {
    const value = 'x'.repeat(10 * MB);
    assert.equal(parseDotenv(`A=${value}\n`).A, value);
  });

  it('reads a 10 MB line of spaces and # without a comment in it', slow, () => {
    const value = 'a#'.repeat(5 * MB);
    assert.equal(parseDotenv(`A=${value} # real comment\n`).A, value);
  });

  it('reads a 10 MB double-quoted value full of escapes', slow, () => {
    const text = `A="${'\\n\\"\\\\\\$'.repeat(MB)}"\n`;
    assert.equal(parseDotenv(text).A, '\n"\\$'.repeat(MB));
  });

  it('reads a 10 MB single-quoted value spanning 1M lines', slow, () => {
    const value = 'abcdefghi\n'.repeat(MB);
    const entries = parseDotenvEntries(`A='${value}'\nB=after\n`);
    assert.equal(entries[0]!.value, value);
    assert.deepStrictEqual(entries[1], { key: 'B', value: 'after', line: MB + 2, column: 1 });
  });

  it('reads a million lines', slow, () => {
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) lines.push(`KEY_${i % 1000}=value ${i} # note`);
    const entries = parseDotenvEntries(lines.join('\n'));
    assert.equal(entries.length, 1_000_000);
    assert.deepStrictEqual(entries[999_999], { key: 'KEY_999', value: 'value 999999', line: 1_000_000, column: 1 });
    assert.equal(parseDotenv(lines.join('\r\n')).KEY_0, 'value 999000');
  });

  it('reads a million comment and blank lines with one key at the end', slow, () => {
    const text = `${'# comment without the needle\n\n'.repeat(500_000)}A=1`;
    assert.deepStrictEqual(parseDotenvEntries(text), [{ key: 'A', value: '1', line: 1_000_001, column: 1 }]);
  });

  it('reads a million quoted values on one line', slow, () => {
    const text = `${'A="x" '.repeat(1_000_000)}B='y'`;
    assert.deepStrictEqual(parseDotenv(text), { A: 'x', B: 'y' });
  });

  it('reads runs of escaped quotes and of backslashes', slow, () => {
    assert.equal(parseDotenv(`A="${'\\"'.repeat(2 * MB)}"`).A, '"'.repeat(2 * MB));
    assert.equal(parseDotenv(`A='${"\\'".repeat(2 * MB)}'`).A, "'".repeat(2 * MB));
    assert.equal(parseDotenv(`A="${'\\\\'.repeat(2 * MB)}"`).A, '\\'.repeat(2 * MB));
    // Every quote but the last is escaped by an odd run of backslashes in front of it.
    const runs = `${'\\\\\\"'.repeat(MB)}`;
    assert.equal(parseDotenv(`A="${runs}"`).A, '\\"'.repeat(MB));
  });

  it('fails fast on an unclosed quote at the top of a 10 MB file', slow, () => {
    const text = `A="never closed\n${'B=1\n'.repeat(2.5 * MB)}`;
    assert.throws(
      () => parseDotenv(text),
      (err: unknown) => err instanceof EnvplaneError && err.location?.line === 1 && err.location.column === 3,
    );
  });

  it('substitutes a million templates on one line', slow, () => {
    const text = `X=v\nA=${'${X:-d}$X${Y:-d}$$'.repeat(1_000_000)}\n`;
    assert.equal(parseDotenv(text).A, 'vvd$'.repeat(1_000_000));
  });

  it('reads a million-deep default that is never evaluated, and refuses to evaluate one', slow, () => {
    const deep = `${'${U:-'.repeat(1_000_000)}x${'}'.repeat(1_000_000)}`;
    assert.equal(parseDotenv(`A=${deep}\n`, { lookup: { U: 'set' } }).A, 'set');
    assert.throws(
      () => parseDotenv(`A=1\nB=${deep}\n`),
      (err: unknown) =>
        err instanceof EnvplaneError && /^line 2: interpolation nested deeper than 32/.test(err.message),
    );
  });

  it('reads an unbalanced brace storm', slow, () => {
    const storm = '{'.repeat(MB);
    assert.equal(parseDotenv(`A=\${U:-${storm}}`).A, storm);
    assert.equal(parseDotenv(`A=${'${U:-{'.repeat(200_000)}}`, { lookup: { U: 'u' } }).A, 'u');
  });

  it('reads a 1 MB key and a key of a million Unicode letters', slow, () => {
    const key = 'K'.repeat(MB);
    assert.equal(parseDotenv(`${key}=1`)[key], '1');
    const unicode = '𝐀'.repeat(1_000_000);
    assert.equal(parseDotenv(`${unicode}=1`)[unicode], '1');
  });

  it('keeps a million lone CRs inside one value', slow, () => {
    const value = 'a\r'.repeat(1_000_000);
    assert.equal(parseDotenv(`A=${value}b\n`).A, `${value}b`);
  });

  it('writes and reads back 10 MB of hostile values', slow, () => {
    const values: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) values[`K${i}`] = `x"\nBASH_ENV=$(id)'\\${'${A:-b}'.repeat(1000)}\r`;
    const text = serializeDotenv(values);
    assert.equal(text.split('\n').length, 1001);
    assert.deepStrictEqual(parseDotenv(text), values);
  });
});
