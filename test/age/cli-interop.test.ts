/**
 * envplane's age implementation against the real `age` and `age-keygen` (Debian's `age` package), both ways:
 * envplane's files (armored and binary, one or several recipients, empty, multi-chunk) decrypt with `age -d -i`,
 * files made by `age -r … [-a]` decrypt with envplane, keys from `age-keygen` work as envplane identities and keys
 * envplane writes work with `age`. A wrong key, a tampered or truncated file is an error with no output on either
 * side. Fails (never skips) when the tools are missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  AgeError,
  armor,
  decrypt,
  encodeRecipient,
  encrypt,
  generateIdentity,
  identityFileText,
  parseIdentityFile,
  parseRecipient,
  stanzaCount,
} from '../../src/age/age.ts';
import { tempDir } from '../_helpers.ts';
import { seededBytes } from '../_random.ts';

function tool(name: string, args: string[], input?: Uint8Array) {
  const r = spawnSync(name, args, { input: input ?? Buffer.alloc(0) });
  if (r.error) throw new Error(`${name} is not installed (Debian package \`age\`): ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

function keygen(dir: string, name: string) {
  const path = join(dir, name);
  const r = tool('age-keygen', ['-o', path]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(path, 'utf8');
  return { path, identity: parseIdentityFile(text)[0]!, recipient: /# public key: (age1\w+)/.exec(text)![1]! };
}

const SIZES = [0, 1, 31, 65_535, 65_536, 65_537, 200_000];

describe('age: envplane and the age CLI read each other', () => {
  const dir = tempDir('envplane-age-');
  const alice = keygen(dir, 'alice.key');
  const bob = keygen(dir, 'bob.key');

  test('an age-keygen key is an envplane identity with the same public key', () => {
    assert.equal(encodeRecipient(alice.identity.recipient), alice.recipient);
    assert.deepEqual(parseRecipient(alice.recipient), alice.identity.recipient);
    assert.equal(parseRecipient(`${alice.recipient.slice(0, -1)}q`), undefined, 'a bad checksum is refused');
  });

  test('envplane encrypts, age decrypts: armored and binary, every chunk boundary, two recipients', () => {
    for (const size of SIZES)
      for (const armored of [true, false]) {
        const plain = seededBytes(size);
        const file = encrypt(plain, [alice.identity.recipient, bob.identity.recipient]);
        const path = join(dir, `out-${size}-${armored}.age`);
        writeFileSync(path, armored ? armor(file) : file);
        for (const who of [alice, bob]) {
          const r = tool('age', ['-d', '-i', who.path, path]);
          assert.equal(r.code, 0, `${size} ${armored}: ${r.stderr}`);
          assert.ok(r.stdout.equals(plain), `${size} bytes, armored=${armored}`);
        }
        assert.equal(stanzaCount(readFileSync(path)), 2);
      }
  });

  test('age encrypts, envplane decrypts: armored and binary, every chunk boundary, two recipients', () => {
    for (const size of SIZES)
      for (const armored of [true, false]) {
        const plain = seededBytes(size);
        const args = ['-r', alice.recipient, '-r', bob.recipient, ...(armored ? ['-a'] : [])];
        const r = tool('age', args, plain);
        assert.equal(r.code, 0, r.stderr);
        for (const who of [alice, bob])
          assert.ok(decrypt(r.stdout, [who.identity]).equals(plain), `${size} bytes, armored=${armored}`);
        assert.equal(stanzaCount(r.stdout), 2);
      }
  });

  test('a key envplane writes works with age and age-keygen', () => {
    const mine = generateIdentity();
    const path = join(dir, 'mine.key');
    writeFileSync(path, identityFileText(mine, new Date(0)), { mode: 0o600 });
    const pub = tool('age-keygen', ['-y', path]);
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout.toString().trim(), encodeRecipient(mine.recipient));
    const enc = tool('age', ['-r', encodeRecipient(mine.recipient), '-a'], Buffer.from('to envplane'));
    const dec = tool('age', ['-d', '-i', path], enc.stdout);
    assert.equal(dec.stdout.toString(), 'to envplane');
    assert.equal(decrypt(enc.stdout, parseIdentityFile(readFileSync(path, 'utf8'))).toString(), 'to envplane');
  });

  test('the wrong key: an error on both sides, and no output', () => {
    const carol = keygen(dir, 'carol.key');
    const file = armor(encrypt(Buffer.from('not for carol'), [alice.identity.recipient]));
    const path = join(dir, 'not-carol.age');
    writeFileSync(path, file);
    const r = tool('age', ['-d', '-i', carol.path, path]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout.length, 0);
    assert.throws(() => decrypt(Buffer.from(file), [carol.identity]), AgeError);
  });

  test('tampering anywhere and truncation anywhere: both refuse, neither outputs anything', () => {
    const plain = seededBytes(70_000);
    const file = encrypt(plain, [alice.identity.recipient]);
    // Every header byte, then a spread of payload bytes (seeded by position, not random).
    const positions = [
      ...Array(Math.min(file.length, 300)).keys(),
      ...Array.from({ length: 40 }, (_, i) => 300 + i * 1700),
    ];
    for (const at of positions.filter((p) => p < file.length)) {
      const bad = Buffer.from(file);
      bad[at] = bad[at]! ^ 0x01;
      let ours: Buffer | undefined;
      try {
        ours = decrypt(bad, [alice.identity]);
      } catch (error) {
        assert.ok(error instanceof AgeError, `byte ${at}: ${String(error)}`);
      }
      // A flipped bit in a base64 character may decode to the same bytes only if it is not canonical: refused too.
      assert.equal(ours, undefined, `byte ${at} flipped, envplane returned plaintext`);
      const theirs = tool('age', ['-d', '-i', alice.path], bad);
      assert.notEqual(theirs.code, 0, `byte ${at}: age accepted it`);
    }
    for (const cut of [0, 10, 50, 100, file.length - 70_000, file.length - 16, file.length - 1, 65_536 + 200])
      assert.throws(() => decrypt(file.subarray(0, cut), [alice.identity]), AgeError, `cut at ${cut}`);
    const extra = Buffer.concat([file, Buffer.from([0])]);
    assert.throws(() => decrypt(extra, [alice.identity]), AgeError, 'a trailing byte');
    assert.notEqual(tool('age', ['-d', '-i', alice.path], extra).code, 0);
  });

  test('armor is strict: garbage around or inside the block is refused', () => {
    const text = armor(encrypt(Buffer.from('x'), [alice.identity.recipient]));
    assert.equal(
      decrypt(Buffer.from(`\n  ${text}\n\n`), [alice.identity]).toString(),
      'x',
      'whitespace around is fine',
    );
    for (const bad of [
      `junk\n${text}`,
      `${text}junk\n`,
      text.replace(/\n(?=[A-Za-z0-9+/])/, '\n '),
      text.replace('=', ''),
    ])
      if (bad !== text) assert.throws(() => decrypt(Buffer.from(bad), [alice.identity]), AgeError);
  });

  test('an identity file that is not one is refused, naming the line only', () => {
    assert.throws(
      () => parseIdentityFile('# comment\nAGE-SECRET-KEY-1NOTAKEY\n'),
      (e: unknown) => e instanceof AgeError && /line 2/.test(e.message) && !e.message.includes('NOTAKEY'),
    );
    assert.throws(() => parseIdentityFile('# only comments\n'), AgeError);
  });
});
