/** The streaming redactor on its own: forms, chunk splits (property-tested), and what it must leave alone. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { redactText, StreamRedactor, secretForms } from '../../src/redact/index.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `text` to a fresh redactor cut at `cuts` (byte offsets), returns the joined output. */
function redactInChunks(text: string, secrets: { name: string; value: string }[], cuts: number[]): string {
  const bytes = enc.encode(text);
  const redactor = new StreamRedactor(secrets);
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const at of [...points, bytes.length]) {
    out.push(redactor.push(bytes.subarray(from, at)));
    from = at;
  }
  out.push(redactor.end());
  return dec.decode(Buffer.concat(out));
}

describe('redactor', () => {
  const secret = { name: 'postgres_password', value: 'hunter2-canary/+= x' };

  test('replaces the value, its base64, base64url, URL-encoded and JSON-escaped forms', () => {
    const b64 = Buffer.from(secret.value).toString('base64');
    const b64url = Buffer.from(secret.value).toString('base64url');
    const text = [secret.value, b64, b64url, encodeURIComponent(secret.value), JSON.stringify(secret.value)].join(
      ' | ',
    );
    const out = redactText(text, [secret]);
    assert.equal(
      out,
      '[REDACTED:postgres_password] | [REDACTED:postgres_password] | [REDACTED:postgres_password] | ' +
        '[REDACTED:postgres_password] | "[REDACTED:postgres_password]"',
    );
  });

  test('a value split at every possible byte is still redacted', () => {
    const text = `before ${secret.value} after`;
    for (let cut = 0; cut <= text.length; cut++)
      assert.equal(redactInChunks(text, [secret], [cut]), 'before [REDACTED:postgres_password] after', `cut ${cut}`);
  });

  test('one byte at a time, multi-byte characters and several secrets', () => {
    const secrets = [
      { name: 'a', value: 'ключ-секрет' },
      { name: 'b', value: 'sk-ABCDEF0123' },
    ];
    const text = 'x ключ-секрет y sk-ABCDEF0123 z ключ';
    const cuts = Array.from({ length: enc.encode(text).length }, (_, i) => i);
    assert.equal(redactInChunks(text, secrets, cuts), 'x [REDACTED:a] y [REDACTED:b] z ключ');
  });

  test('the longest form at the leftmost position wins; overlapping occurrences', () => {
    const out = redactText('aaaa-secret-secret', [
      { name: 'short', value: 'secret' },
      { name: 'long', value: 'aaaa-secret' },
    ]);
    assert.equal(out, '[REDACTED:long]-[REDACTED:short]');
  });

  test('holds back at most (longest form − 1) bytes until the next chunk or the end', () => {
    const redactor = new StreamRedactor([secret]);
    const longest = Math.max(...secretForms(secret.value).map((f) => enc.encode(f).length));
    const first = redactor.push(enc.encode('x'.repeat(100)));
    assert.equal(first.length, 100 - (longest - 1));
    assert.equal(dec.decode(redactor.end()), 'x'.repeat(longest - 1));
  });

  test('no secrets, or only empty values: output is the input', () => {
    assert.equal(redactText('plain text', []), 'plain text');
    assert.equal(redactText('plain text', [{ name: 'e', value: '' }]), 'plain text');
  });

  test('short values get no encoded forms (their base64 would be common text)', () => {
    assert.deepEqual(secretForms('abc'), ['abc']);
    assert.ok(secretForms('a much/longer value').length >= 5);
  });

  test('property: any chunking gives the whole-text result, and no inserted secret survives', () => {
    const secretArb = fc.stringMatching(/^[A-Z0-9+/=%]{6,24}$/);
    const fillerArb = fc.stringMatching(/^[a-z \n.]{1,40}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(secretArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fillerArb, fc.nat()), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 30 }),
        (values, pieces, cuts) => {
          const secrets = values.map((value, i) => ({ name: `s${i}`, value }));
          let text = '';
          let expected = '';
          for (const [filler, pick] of pieces) {
            const s = secrets[pick % secrets.length]!;
            // base64 forms share the alphabet with filler-free secrets; insert raw or base64 at random
            const form = pick % 3 === 0 ? Buffer.from(s.value).toString('base64') : s.value;
            text += `${filler}${form}`;
            expected += `${filler}[REDACTED:${s.name}]`;
          }
          text += '.';
          expected += '.';
          const whole = redactText(text, secrets);
          const chunked = redactInChunks(text, secrets, cuts);
          assert.equal(chunked, whole);
          // Secrets drawn from one alphabet can contain each other; the exact form holds when none does.
          const nested = values.some((a) =>
            values.some((b) => a !== b && (b.includes(a) || Buffer.from(b).toString('base64').includes(a))),
          );
          if (!nested) assert.equal(whole, expected);
          for (const { value } of secrets) assert.ok(!whole.includes(value), 'a raw secret survived');
        },
      ),
      { numRuns: 500 },
    );
  });
});
