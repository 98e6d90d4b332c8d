/**
 * Every encoded form of a value is found at the line and column where it was planted, whatever the value and the
 * text around it; values generated the way envplane generates them are found 100% of the time.
 */
import assert from 'node:assert/strict';
import { seededBytes as randomBytes } from '../_random.ts';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseGenerate } from '../../src/manifest/generate.ts';
import { base64Core, encodedForms } from '../../src/scan/encodings.ts';
import { buildScanner, scanContent } from '../../src/scan/scanner.ts';
import { generateValue } from '../../src/stores/generate.ts';

const utf8 = new TextEncoder();
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const startsWith = (a: Uint8Array, b: Uint8Array) => b.length <= a.length && b.every((x, i) => a[i] === x);

// Surrounding text: any characters but a newline, so the planted line is known.
const lineText = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\n\r]/g, ' '));
const value = fc.string({ unit: 'binary', minLength: 8, maxLength: 48 }).filter((v) => [...v].length >= 8);

test('property: each encoded form is found at the line and column it was planted', () => {
  fc.assert(
    fc.property(
      value,
      fc.array(lineText, { maxLength: 6 }),
      lineText,
      lineText,
      fc.array(lineText, { maxLength: 6 }),
      (secret, before, left, right, after) => {
        const scanner = buildScanner([secret]);
        for (const form of encodedForms(secret)) {
          const text = [...before, `${left}${decode(form.bytes)}${right}`, ...after].join('\n');
          const hits = scanContent(scanner, utf8.encode(text)).values;
          const line = before.length + 1;
          const column = [...left].length + 1;
          const hit = hits.find((h) => h.line === line && h.column === column);
          assert.ok(hit, `${form.encoding} form not found at ${line}:${column}`);
          // A plainer form that is a prefix of the planted bytes may be reported for the same place.
          const acceptable = encodedForms(secret)
            .filter((f) => startsWith(form.bytes, f.bytes))
            .map((f) => f.encoding);
          assert.ok(acceptable.includes(hit.encoding), `${form.encoding} reported as ${hit.encoding}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('property: a value inside a longer base64 blob is found at every alignment, standard and URL-safe', () => {
  fc.assert(
    fc.property(
      value,
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.boolean(),
      lineText,
      (secret, head, tail, urlSafe, left) => {
        const blob = Buffer.concat([head, utf8.encode(secret), tail]).toString(urlSafe ? 'base64url' : 'base64');
        const text = `first line\n${left}${blob}\nlast line`;
        const hits = scanContent(buildScanner([secret]), utf8.encode(text)).values;
        assert.ok(
          hits.some((h) => h.line === 2 && h.encoding.startsWith('base64')),
          `not found at alignment ${head.length % 3}`,
        );
      },
    ),
    { numRuns: 400 },
  );
});

test('base64 cores leave out exactly the characters that depend on neighbouring bytes', () => {
  const v = utf8.encode('abcdefgh');
  assert.equal(base64Core(v, 0), Buffer.from(v).toString('base64').replace(/=+$/, '').slice(0, 10));
  for (const alignment of [0, 1, 2] as const)
    for (let fill = 0; fill < 256; fill += 51) {
      const pad = new Uint8Array(alignment).fill(fill);
      const tail = new Uint8Array([fill, 255 - fill]);
      const blob = Buffer.concat([pad, v, tail]).toString('base64');
      assert.ok(blob.includes(base64Core(v, alignment)), `alignment ${alignment}, neighbour byte ${fill}`);
    }
});

test('every format the generator produces is found, in every form: 100%', () => {
  // envplane's own generator, for every kind: the shortest lengths the manifest accepts, the defaults, long ones,
  // and custom charsets (punctuation that JSON or URLs escape, letters beyond one byte).
  const rules = [
    'base64:16',
    'base64:32',
    'base64:64',
    'hex:16',
    'hex:32',
    'password:22',
    'password:32',
    'password:40:!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
    'password:28:αβγδεζηθικλμνξοπρστυφχψωABCDEFGHIJ',
    'uuid',
  ];
  const kinds = rules.map((text) => {
    const rule = parseGenerate(text);
    assert.ok(typeof rule !== 'string', `${text}: ${rule}`);
    return rule;
  });
  assert.deepEqual(new Set(kinds.map((k) => k.kind)), new Set(['base64', 'hex', 'password', 'uuid']));
  const values = kinds.flatMap((rule) => Array.from({ length: 150 }, () => generateValue(rule)));
  const scanner = buildScanner(values);
  const lines: string[] = [];
  const expected: { value: number; line: number }[] = [];
  values.forEach((v, i) => {
    for (const form of encodedForms(v)) {
      lines.push(`const x${i} = "${decode(form.bytes)}"; // ${form.encoding}`);
      expected.push({ value: i, line: lines.length });
    }
    const blob = Buffer.concat([randomBytes(i % 7), Buffer.from(v), randomBytes(5)]).toString('base64');
    lines.push(`data:application/octet-stream;base64,${blob}`);
    expected.push({ value: i, line: lines.length });
  });
  const hits = scanContent(scanner, utf8.encode(lines.join('\n'))).values;
  const found = new Set(hits.map((h) => `${h.value}:${h.line}`));
  const missed = expected.filter((e) => !found.has(`${e.value}:${e.line}`));
  assert.equal(missed.length, 0, `missed ${missed.length} of ${expected.length}`);
  assert.ok(expected.length > values.length * 3);
});
