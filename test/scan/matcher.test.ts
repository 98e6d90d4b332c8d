/** The multi-pattern matcher against the obvious definition: every occurrence of every needle, overlaps included. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildMatcher, findAll } from '../../src/scan/matcher.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function naive(needles: Uint8Array[], haystack: Uint8Array): string[] {
  const out: string[] = [];
  needles.forEach((needle, id) => {
    for (let start = 0; start + needle.length <= haystack.length; start++) {
      let ok = true;
      for (let j = 0; j < needle.length && ok; j++) ok = haystack[start + j] === needle[j];
      if (ok) out.push(`${id}@${start}`);
    }
  });
  return out.sort();
}

function found(needles: Uint8Array[], haystack: Uint8Array): string[] {
  const out: string[] = [];
  findAll(buildMatcher(needles), haystack, (id, start) => out.push(`${id}@${start}`));
  return out.sort();
}

test('finds overlapping needles, prefixes and suffixes of each other', () => {
  const needles = ['he', 'she', 'his', 'hers', 'ushers'].map(bytes);
  const hay = bytes('ushers and his hershe');
  assert.deepEqual(found(needles, hay), naive(needles, hay));
  assert.ok(found(needles, hay).includes('4@0'));
});

test('a needle longer than the haystack, or running past its end, is not found', () => {
  const needles = [bytes('abcdefghijklmnopqrstuvwxyz0123456789')];
  assert.deepEqual(found(needles, bytes('abcdefghijklmnopqrstuvwxyz012345678')), []);
  assert.deepEqual(found(needles, bytes('xxabcdefghijklmnopqrstuvwxyz0123456789')), ['0@2']);
});

test('property: equals the naive search for any needles and haystack', () => {
  // A tiny alphabet makes overlaps, shared prefixes and verification failures common.
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\n', '\u00e9'), minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(
      fc.array(text, { minLength: 1, maxLength: 12 }),
      fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\n', '\u00e9'), maxLength: 300 }),
      (needleTexts, hayText) => {
        const needles = needleTexts.map(bytes);
        const hay = bytes(hayText);
        assert.deepEqual(found(needles, hay), naive(needles, hay));
      },
    ),
    { numRuns: 400 },
  );
});

test('property: arbitrary bytes, including 0x00 and 0xff', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 6, max: 3 }), { minLength: 1, maxLength: 8 }),
      fc.uint8Array({ maxLength: 200, max: 3 }),
      (needles, hay) => assert.deepEqual(found(needles, hay), naive(needles, hay)),
    ),
    { numRuns: 300 },
  );
  const all = new Uint8Array(256).map((_, i) => i);
  assert.deepEqual(found([new Uint8Array([0, 255]), new Uint8Array([254, 255])], all), ['1@254']);
});

test('property: long needles (the sampled path, every step up to 16) over a two-letter alphabet', () => {
  // Needles of 4 to 40 bytes from {a, b}: grams collide everywhere, so every confirmation path is taken.
  const ab = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom('a', 'b'), minLength: min, maxLength: max });
  fc.assert(
    fc.property(fc.array(ab(4, 40), { minLength: 1, maxLength: 10 }), ab(0, 600), (needleTexts, hayText) => {
      const needles = needleTexts.map(bytes);
      const hay = bytes(hayText);
      assert.deepEqual(found(needles, hay), naive(needles, hay));
    }),
    { numRuns: 400 },
  );
});

test('thousands of needles are found in one pass', () => {
  const needles = Array.from({ length: 5000 }, (_, i) => bytes(`needle-${i.toString(36).padStart(6, '0')}-x`));
  const hay = bytes(`${'filler '.repeat(1000)}needle-0000rs-x and needle-0003uv-x`);
  assert.deepEqual(found(needles, hay), [`1000@7000`, `${parseInt('3uv', 36)}@7020`]);
});
