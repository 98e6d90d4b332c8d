/**
 * The writer against the reader, by property: whatever strings go in (NUL aside), Compose's reading of the written
 * text gives them back exactly, every entry is one physical line, and the report's claims about npm dotenv match
 * what the real package does. ENVPLANE_DEEP=1 runs a million cases instead of two thousand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dotenv from 'dotenv';
import fc from 'fast-check';
import {
  isValidDotenvKey,
  parseDotenv,
  parseDotenvEntries,
  serializeDotenv,
  serializeDotenvReport,
} from '../../src/dotenv/index.ts';
import { EnvplaneError } from '../../src/errors.ts';
import { counted } from '../_counts.ts';

const NUM_RUNS = process.env.ENVPLANE_DEEP ? 1_000_000 : 2_000;

// Letters and digits of several scripts and categories (Lu Ll Lt Lm Lo Nd Nl No, one astral), and the punctuation
// keys may hold.
const keyChar = fc.constantFrom(...'AZaz09_.-[]', 'é', 'ß', 'Ж', '中', 'ǅ', 'ʰ', '٣', 'Ⅻ', '½', '𝐀');
const key = fc.oneof(
  fc.string({ unit: keyChar, minLength: 1, maxLength: 10 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'export', 'exportA', '0', '123', 'a[1]'),
);

// Heavy in everything a .env reader treats specially, so quotes, escapes and templates form often.
const tricky = fc.constantFrom(
  ...'\n\r\'"\\$#{} \t`=:-+?0nrxa',
  '\r\n',
  '${',
  '$$',
  '\\$',
  '\\n',
  ' #',
  '\u2028',
  '\u0085',
);
const noNul = (s: string) => s.replaceAll('\0', '');
const value = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: tricky, maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    // Any UTF-16 unit, lone surrogates included: the contract is every string without NUL.
    fc.string({ unit: fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  )
  .map(noNul);

const values = fc.dictionary(key, value, { maxKeys: 6 });

/** What Compose's reader must give back: the same own entries, as an ordinary object. */
const plain = (v: Record<string, string>) => Object.fromEntries(Object.entries(v));

describe('dotenv: serialize round trip (property)', () => {
  it(`parseDotenv(serializeDotenv(v)) deep-equals v (${NUM_RUNS} runs)`, () => {
    counted('roundtrip', NUM_RUNS, 'dotenv serialize', () =>
      fc.assert(
        fc.property(values, (v) => {
          assert.deepStrictEqual(parseDotenv(serializeDotenv(v)), plain(v));
        }),
        { numRuns: NUM_RUNS },
      ),
    );
  });

  it('writes one physical line per entry, each starting with its key and "="', () => {
    fc.assert(
      fc.property(values, (v) => {
        const text = serializeDotenv(v);
        const lines = text.split('\n');
        assert.equal(lines.pop(), '');
        const keys = Object.keys(v);
        assert.equal(lines.length, keys.length);
        lines.forEach((line, i) => {
          assert.ok(line.startsWith(`${keys[i]}=`));
          assert.ok(!line.includes('\r'));
        });
        // A line reader (docker --env-file) sees the same keys: nothing after "=" can start another entry.
        assert.deepStrictEqual(
          lines.map((l) => l.slice(0, l.indexOf('='))),
          keys,
        );
        assert.deepStrictEqual(
          parseDotenvEntries(text).map((e) => [e.key, e.line]),
          keys.map((k, i) => [k, i + 1]),
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('reports npm dotenv as a differing reader exactly when the real package reads a value differently', () => {
    fc.assert(
      fc.property(values, (v) => {
        const { text, warnings } = serializeDotenvReport(v);
        assert.equal(text, serializeDotenv(v));
        const read = dotenv.parse(text);
        const keys = Object.keys(v);
        assert.deepStrictEqual(
          warnings.map((w) => w.key),
          keys,
        );
        // dotenv may read a key from inside a value only where the report says so: a line it skipped whose value
        // holds a U+2028/U+2029 (its regex takes those for line ends). Such a key can also shadow another entry.
        const injectable = warnings.some((w) => /U\+2028/.test(w.reason));
        for (const w of warnings) {
          // Raw readers keep the quotes the writer always adds.
          assert.ok(w.consumers.includes('raw'));
          if (injectable) continue;
          const same = Object.hasOwn(read, w.key) && read[w.key] === v[w.key];
          assert.equal(w.consumers.includes('dotenv'), !same, `${JSON.stringify(w.key)}: ${w.reason}`);
        }
        for (const k of Object.keys(read))
          assert.ok(keys.includes(k) || injectable, `dotenv found a key the writer did not write: ${k}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('dotenv: serialize', () => {
  it('prefers single quotes, and uses escaped double quotes where they cannot hold the value', () => {
    assert.equal(
      serializeDotenv({
        A: 'plain',
        B: '$HOME ${X} `id` # x \\n',
        C: "it's",
        D: 'two\nlines',
        E: 'cr\r',
        F: 'ends\\',
        G: '',
        H: 'tab\there',
      }),
      [
        "A='plain'",
        "B='$HOME ${X} `id` # x \\n'",
        'C="it\'s"',
        'D="two\\nlines"',
        'E="cr\\r"',
        'F="ends\\0134"',
        "G=''",
        "H='tab\there'",
        '',
      ].join('\n'),
    );
    assert.equal(serializeDotenv({ A: `'"\\$x\n` }), 'A="\'\\"\\\\\\$x\\n"\n');
  });

  it('writes a trailing backslash so that npm dotenv cannot run past the end of the line', () => {
    // `\\"` at the end would let dotenv's pattern take the closing quote as escaped and swallow B and C.
    const text = serializeDotenv({ A: 'x\\', B: 'y', C: '" #' });
    assert.equal(text, "A=\"x\\0134\"\nB='y'\nC='\" #'\n");
    assert.deepStrictEqual(parseDotenv(text), { A: 'x\\', B: 'y', C: '" #' });
    assert.deepStrictEqual(dotenv.parse(text), { A: 'x\\0134', B: 'y', C: '" #' });
  });

  it('keeps an injection attempt inside its one key', () => {
    for (const attack of [
      'x"\nBASH_ENV=$(id)',
      "x'\nBASH_ENV=$(id)",
      'x\nBASH_ENV=1',
      'x\r\nBASH_ENV=1',
      'x\\"\nA=1',
    ]) {
      const text = serializeDotenv({ SAFE: attack });
      assert.equal(text.split('\n').length, 2, JSON.stringify(text));
      assert.deepStrictEqual(parseDotenv(text), { SAFE: attack });
      assert.deepStrictEqual(Object.keys(dotenv.parse(text)), ['SAFE']);
    }
  });

  it('accepts a Map or pairs as well as a record, and writes nothing for nothing', () => {
    const pairs: [string, string][] = [
      ['B', '2'],
      ['A', '1'],
    ];
    assert.equal(serializeDotenv(new Map(pairs)), "B='2'\nA='1'\n");
    assert.equal(serializeDotenv(pairs), "B='2'\nA='1'\n");
    assert.equal(serializeDotenv({}), '');
  });

  it('rejects NUL, naming the entry but not the value', () => {
    const secret = 'hunter2\0tail';
    assert.throws(
      () => serializeDotenv({ OK: 'x', PASSWORD: secret }),
      (err: unknown) =>
        err instanceof EnvplaneError &&
        err.kind === 'input' &&
        err.message === 'dotenv entry 2 (PASSWORD): the value contains a NUL character' &&
        !err.message.includes('hunter2'),
    );
  });

  it('rejects invalid and repeated keys without echoing them whole', () => {
    for (const bad of ['', 'A B', 'A=B', '#A', 'A\n', '$A', 'a"b', "a'b", 'A:B', 'sk_live_123 456'])
      assert.throws(
        () => serializeDotenv([[bad, 'v']]),
        (err: unknown) =>
          err instanceof EnvplaneError && err.kind === 'input' && (bad === '' || !err.message.includes(bad)),
        JSON.stringify(bad),
      );
    assert.throws(() =>
      serializeDotenv([
        ['A', '1'],
        ['A', '2'],
      ]),
    );
    assert.throws(() => serializeDotenv([['A', 1 as unknown as string]]), EnvplaneError);
  });

  it('agrees with isValidDotenvKey', () => {
    for (const k of ['A', 'a.b-c[0]', 'é', '1', '__proto__'])
      assert.ok(isValidDotenvKey(k) && parseDotenv(serializeDotenv({ [k]: 'v' }))[k] === 'v', k);
    for (const k of ['', ' ', 'A B', 'A\tB', 'A=', '\ufeffA', 'A\ud800'])
      assert.ok(!isValidDotenvKey(k), JSON.stringify(k));
  });

  it('reports every key for raw readers, and npm dotenv where it differs', () => {
    const { warnings } = serializeDotenvReport([
      ['A', 'x'],
      ['B', `it's "x"`],
      ['é', 'x'],
      ['__proto__', 'p'],
      ['C', 'x\ny'],
    ]);
    assert.deepStrictEqual(
      warnings.map((w) => [w.key, w.consumers]),
      [
        ['A', ['raw']],
        ['B', ['dotenv', 'raw']],
        ['é', ['dotenv', 'raw']],
        ['__proto__', ['dotenv', 'raw']],
        ['C', ['raw']],
      ],
    );
    assert.match(warnings[4]!.reason, /cannot hold a line break/);
    const [skipped] = serializeDotenvReport({ 'a[1]': 'x\u2028EVIL=1' }).warnings;
    assert.match(skipped!.reason, /may read the text after a U\+2028\/U\+2029 in the value as another entry/);
  });
});
