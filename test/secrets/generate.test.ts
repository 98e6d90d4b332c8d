import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PASSWORD_CHARSET } from '../../src/manifest/generate.ts';
import { generateValue, password } from '../../src/stores/generate.ts';
import { seededBytes } from '../_random.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

describe('generateValue', () => {
  it('base64:N decodes to N random bytes, on one line, as `openssl rand -base64 N`', () => {
    for (const n of [16, 32, 48, 64, 100]) {
      const value = generateValue({ kind: 'base64', length: n });
      assert.match(value, /^[A-Za-z0-9+/]+={0,2}$/);
      assert.equal(Buffer.from(value, 'base64').length, n);
      assert.equal(value.length, Math.ceil(n / 3) * 4);
    }
  });

  it('hex:N is 2N lowercase hex characters', () => {
    for (const n of [16, 32, 33])
      assert.match(generateValue({ kind: 'hex', length: n }), new RegExp(`^[0-9a-f]{${2 * n}}$`));
  });

  it('uuid is a version 4 UUID', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const value = generateValue({ kind: 'uuid', length: 16 });
      assert.match(value, UUID_V4);
      seen.add(value);
    }
    assert.equal(seen.size, 100);
  });

  it('password:N has N characters, all from the charset (default and custom, including beyond one byte)', () => {
    const dflt = generateValue({ kind: 'password', length: 40 });
    assert.equal(dflt.length, 40);
    for (const c of dflt) assert.ok(DEFAULT_PASSWORD_CHARSET.includes(c), `unexpected character ${c}`);
    const wide = [...Array(300)].map((_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    const value = generateValue({ kind: 'password', length: 25, charset: wide });
    assert.equal([...value].length, 25);
    for (const c of value) assert.ok(wide.includes(c));
    const emoji = generateValue({ kind: 'password', length: 30, charset: '😀😁😂🤣' });
    assert.equal([...emoji].length, 30);
  });

  it('values differ between draws', () => {
    const values = new Set([...Array(50)].map(() => generateValue({ kind: 'base64', length: 32 })));
    assert.equal(values.size, 50);
  });
});

describe('password: no modulo bias', () => {
  it('every byte value once gives every character exactly the same count (a modulo would favour the first)', () => {
    // 0..255 in order: rejection sampling must drop byte 255 for a 3-character charset (255 = 3 × 85).
    for (const size of [3, 7, 62, 200]) {
      const charset = [...Array(size)].map((_, i) => String.fromCodePoint(0x41 + i));
      let calls = 0;
      const sequential = (n: number) => {
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = (calls++ % 256) as number;
        return out;
      };
      const accepted = 256 - (256 % size);
      // Draw exactly the characters that 100 full byte cycles accept.
      const value = password(accepted * 100, charset, sequential);
      const counts = new Map<string, number>();
      for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
      assert.equal(counts.size, size);
      for (const [c, n] of counts) assert.equal(n, (accepted / size) * 100, `size ${size}: ${c} drawn ${n} times`);
    }
  });

  it('a 3-character charset over many CSPRNG draws passes a chi-square bound', () => {
    const value = password(60_000, ['a', 'b', 'c'], (n) => seededBytes(n));
    const counts = ['a', 'b', 'c'].map((c) => [...value].filter((x) => x === c).length);
    // df = 2; P(χ² > 27.6) = 1e-6: a fair generator fails this once in a million runs.
    assert.ok(chiSquare(counts) < 27.6, `chi-square ${chiSquare(counts)} for counts ${counts}`);
  });

  it('a 200-character charset, where `byte % 200` would draw 56 characters twice as often, passes chi-square', () => {
    const charset = [...Array(200)].map((_, i) => String.fromCodePoint(0x100 + i));
    const value = generateValue({ kind: 'password', length: 200_000, charset: charset.join('') });
    const index = new Map(charset.map((c, i) => [c, i]));
    const counts = new Array<number>(200).fill(0);
    for (const c of value) counts[index.get(c)!]!++;
    const stat = chiSquare(counts);
    // df = 199: mean 199, sd ≈ 20; 330 is beyond 1e-6. A modulo-biased generator scores in the tens of thousands.
    assert.ok(stat < 330, `chi-square ${stat}`);
    const naive = new Array<number>(200).fill(0);
    for (const b of seededBytes(200_000)) naive[b % 200]!++;
    assert.ok(chiSquare(naive) > 5_000, 'the bound is tight enough to catch a modulo');
  });
});
