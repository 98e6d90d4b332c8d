import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removeKeys } from '../../src/adopt/_dotenv-lines.ts';
import { parseDotenvEntries } from '../../src/dotenv/index.ts';

test('removes every occurrence of the keys, multi-line values included, and keeps every other byte', () => {
  const text = [
    '# header',
    'A=1',
    'SECRET="line one',
    'line two # not a comment',
    '"',
    '',
    '# keep me',
    "B='x'\r",
    'SECRET=again # dup',
    'C="quoted \\" SECRET=no"',
    'export SECRET=three',
    'D=last',
  ].join('\n');
  const entries = parseDotenvEntries(text, { lookup: {} });
  const out = removeKeys(text, entries, new Set(['SECRET']));
  assert.equal(out, ['# header', 'A=1', '', '# keep me', "B='x'\r", 'C="quoted \\" SECRET=no"', 'D=last'].join('\n'));
  assert.deepEqual(
    parseDotenvEntries(out, { lookup: {} }).map((e) => [e.key, e.value]),
    [
      ['A', '1'],
      ['B', 'x'],
      ['C', 'quoted " SECRET=no'],
      ['D', 'last'],
    ],
  );
});

test('nothing to remove gives the text back unchanged, CRLF and missing final newline included', () => {
  const text = 'A=1\r\nB=2';
  assert.equal(removeKeys(text, parseDotenvEntries(text, { lookup: {} }), new Set(['X'])), text);
  assert.equal(removeKeys(text, parseDotenvEntries(text, { lookup: {} }), new Set(['B'])), 'A=1\r\n');
});
