/**
 * One table for `scan` and `run --redact`: every way a value is written into output that `scan` finds, the redactor
 * replaces, so that scanning redacted output finds nothing. Both read their forms from `src/scan/encodings.ts`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redactText, StreamRedactor } from '../../src/redact/index.ts';
import { buildScanner, scanContent } from '../../src/scan/scanner.ts';

const utf8 = new TextEncoder();
const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
/** Python's json.dumps (ensure_ascii): non-ASCII as \uXXXX, lower-case hex. */
const jsonAscii = (s: string, upper = false) =>
  JSON.stringify(s).replace(/[^\u0000-\u007f]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  });
const lowerPercent = (s: string) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());

const VALUES = ['pässwörd-ünïcode-1', 'hunter2 canary/+= x', 'Zk3-q9_xY!(a)*b', 'sk_live_0123456789abcdef'];

const WAYS: [string, (v: string) => string][] = [
  ['literal', (v) => `password=${v}`],
  ...[0, 1, 2, 3, 4, 5].map((n): [string, (v: string) => string] => [
    `Basic auth, user of ${n} characters`,
    (v) => `Authorization: Basic ${b64(`${'u'.repeat(n)}:${v}`)}`,
  ]),
  ['base64 of the value', (v) => `token: ${b64(v)}`],
  ['base64url of the value', (v) => `token: ${b64url(v)}`],
  ...[1, 2, 4].map((n): [string, (v: string) => string] => [
    `inside a base64 blob after ${n} bytes`,
    (v) => `data:;base64,${b64(`${'{'.repeat(n)}"p":"${v}"}`)}`,
  ]),
  ['JSON', (v) => `{"password":${JSON.stringify(v)}}`],
  ['JSON, non-ASCII as \\u00fc', (v) => `{"password":${jsonAscii(v)}}`],
  ['JSON, non-ASCII as \\u00FC', (v) => `{"password":${jsonAscii(v, true)}}`],
  ['JSON with \\/', (v) => `{"password":${JSON.stringify(v).replaceAll('/', '\\/')}}`],
  ['percent-encoded, upper-case hex', (v) => `https://h/?p=${encodeURIComponent(v)}`],
  ['percent-encoded, lower-case hex', (v) => `https://h/?p=${lowerPercent(v)}`],
  ['form-encoded', (v) => `p=${new URLSearchParams({ v }).toString().slice(2)}&x=1`],
];

describe('scan and --redact share one table of encodings', () => {
  for (const value of VALUES)
    for (const [way, write] of WAYS)
      test(`${way}: ${JSON.stringify(value)}`, () => {
        const text = `line one\n${write(value)}\nline three`;
        const scanner = buildScanner([value]);
        const found = scanContent(scanner, utf8.encode(text)).values;
        assert.ok(
          found.some((h) => h.line === 2),
          `scan does not find the ${way} form`,
        );
        const redacted = redactText(text, [{ name: 'db', value }]);
        assert.match(redacted, /\[REDACTED:db\]/);
        const left = scanContent(scanner, utf8.encode(redacted)).values;
        assert.equal(left.length, 0, `scan still finds the ${way} form after --redact`);
        // Streamed one byte at a time, the result is the same.
        const redactor = new StreamRedactor([{ name: 'db', value }]);
        const bytes = utf8.encode(text);
        const out: Uint8Array[] = [];
        for (let i = 0; i < bytes.length; i++) out.push(redactor.push(bytes.subarray(i, i + 1)));
        out.push(redactor.end());
        assert.equal(Buffer.concat(out).toString('utf8'), redacted);
      });
});
