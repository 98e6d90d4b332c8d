/**
 * The age v1 file format (age-encryption.org/v1, C2SP age.md) with X25519 recipients only, on Node's own crypto:
 * X25519, HKDF-SHA-256, HMAC-SHA-256 and ChaCha20-Poly1305. Files are interchangeable with the `age` CLI both ways,
 * armored or binary. Decryption is strict: canonical base64, exact stanza shapes, the header MAC checked before the
 * payload, every chunk authenticated, and nothing returned unless the whole file verifies. Errors are `AgeError`s
 * with a reason that never quotes key material or plaintext. No file system access.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { bech32Decode, bech32Encode } from './bech32.ts';

export class AgeError extends Error {
  override name = 'AgeError';
}

const VERSION_LINE = 'age-encryption.org/v1';
const X25519_INFO = 'age-encryption.org/v1/X25519';
const CHUNK = 64 * 1024;
const TAG = 16;
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
// DER prefixes of an X25519 private key (PKCS #8) and public key (SPKI) around the raw 32 bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** An X25519 identity: the secret scalar and its recipient (public key). */
export interface AgeIdentity {
  secret: Uint8Array;
  recipient: Uint8Array;
}

/** One recipient stanza as written in the header. */
export interface Stanza {
  args: string[];
  body: Uint8Array;
}

export interface AgeHeader {
  stanzas: Stanza[];
  /** The header bytes up to and including `---`, over which the MAC is computed. */
  macInput: Uint8Array;
  mac: Uint8Array;
  /** Offset of the payload in the (de-armored) file. */
  payloadAt: number;
}

// ---------- keys ----------

function privateKey(secret: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
}

function publicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function x25519(secret: Uint8Array, peer: Uint8Array): Uint8Array {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: privateKey(secret), publicKey: publicKey(peer) });
  } catch {
    throw new AgeError('invalid X25519 share');
  }
  if (shared.every((b) => b === 0)) throw new AgeError('invalid X25519 share (low-order point)');
  return shared;
}

function recipientOf(secret: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKey(secret)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** A fresh identity from the CSPRNG. */
export function generateIdentity(): AgeIdentity {
  const secret = new Uint8Array(randomBytes(32));
  return { secret, recipient: recipientOf(secret) };
}

export function identityFromSecret(secret: Uint8Array): AgeIdentity {
  if (secret.length !== 32) throw new AgeError('an X25519 identity is 32 bytes');
  return { secret, recipient: recipientOf(secret) };
}

/** `AGE-SECRET-KEY-1…` (upper case, as age-keygen writes it). */
export function encodeIdentity(identity: AgeIdentity): string {
  return bech32Encode('age-secret-key-', identity.secret).toUpperCase();
}

/** `age1…` */
export function encodeRecipient(recipient: Uint8Array): string {
  return bech32Encode('age', recipient);
}

/** The 32-byte recipient of an `age1…` string; undefined when it is not an X25519 recipient. */
export function parseRecipient(text: string): Uint8Array | undefined {
  const decoded = bech32Decode(text);
  if (decoded?.hrp !== 'age' || decoded.bytes.length !== 32) return undefined;
  return decoded.bytes;
}

/**
 * The identities of an age identity file (`age-keygen` output: `#` comments, blank lines, one
 * `AGE-SECRET-KEY-1…` per line). A line that is anything else makes the file invalid; the error names its line
 * number only.
 */
export function parseIdentityFile(text: string): AgeIdentity[] {
  const out: AgeIdentity[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    const decoded = bech32Decode(line.trim());
    if (decoded?.hrp !== 'age-secret-key-' || decoded.bytes.length !== 32)
      throw new AgeError(`line ${i + 1} is not an X25519 identity (AGE-SECRET-KEY-1…)`);
    out.push(identityFromSecret(decoded.bytes));
  });
  if (out.length === 0) throw new AgeError('no identity in the file');
  return out;
}

/** The text `age-keygen` writes: a creation comment, the public key, the identity. */
export function identityFileText(identity: AgeIdentity, created: Date): string {
  return (
    `# created: ${created.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n` +
    `# public key: ${encodeRecipient(identity.recipient)}\n` +
    `${encodeIdentity(identity)}\n`
  );
}

// ---------- primitives ----------

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < TAG) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  const out = decipher.update(sealed.subarray(0, sealed.length - TAG));
  try {
    return Buffer.concat([out, decipher.final()]);
  } catch {
    out.fill(0);
    return undefined;
  }
}

const ZERO_NONCE = new Uint8Array(12);

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

/** Strict unpadded canonical base64 (what the spec demands of a decoder). */
function unb64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) throw new AgeError('invalid base64 in the header');
  const bytes = Buffer.from(text, 'base64');
  if (b64(bytes) !== text) throw new AgeError('non-canonical base64 in the header');
  return bytes;
}

// ---------- header ----------

function wrapFileKey(fileKey: Uint8Array, recipient: Uint8Array): Stanza {
  const ephemeral = randomBytes(32);
  const share = recipientOf(ephemeral);
  const shared = x25519(ephemeral, recipient);
  ephemeral.fill(0);
  const key = hkdf(shared, Buffer.concat([share, recipient]), X25519_INFO);
  return { args: ['X25519', b64(share)], body: seal(key, ZERO_NONCE, fileKey) };
}

function unwrapFileKey(stanza: Stanza, identity: AgeIdentity): Uint8Array | undefined {
  const share = unb64(stanza.args[1]!);
  const shared = x25519(identity.secret, share);
  const key = hkdf(shared, Buffer.concat([share, identity.recipient]), X25519_INFO);
  return open(key, ZERO_NONCE, stanza.body);
}

function stanzaText(stanza: Stanza): string {
  const body = b64(stanza.body);
  const lines: string[] = [];
  for (let i = 0; i <= body.length; i += 64) lines.push(body.slice(i, i + 64));
  // A body whose length is a multiple of 64 ends with an empty line (the loop adds it when i === body.length).
  return `-> ${stanza.args.join(' ')}\n${lines.join('\n')}\n`;
}

function headerMac(fileKey: Uint8Array, macInput: Uint8Array): Buffer {
  return createHmac('sha256', hkdf(fileKey, new Uint8Array(0), 'header'))
    .update(macInput)
    .digest();
}

/** Reads the header of a binary age file (no key needed): its stanzas, MAC and where the payload starts. */
export function parseHeader(file: Uint8Array): AgeHeader {
  let at = 0;
  const line = (): string => {
    const end = file.indexOf(0x0a, at);
    if (end === -1) throw new AgeError('the header is truncated');
    const text = Buffer.from(file.subarray(at, end)).toString('latin1');
    at = end + 1;
    return text;
  };
  if (line() !== VERSION_LINE) throw new AgeError('not an age v1 file');
  const stanzas: Stanza[] = [];
  for (;;) {
    const start = at;
    const first = line();
    if (first.startsWith('---')) {
      if (!first.startsWith('--- ') || stanzas.length === 0) throw new AgeError('malformed header end');
      const mac = unb64(first.slice(4));
      if (mac.length !== 32) throw new AgeError('malformed header MAC');
      return { stanzas, macInput: file.subarray(0, start + 3), mac, payloadAt: at };
    }
    if (!first.startsWith('-> ')) throw new AgeError('malformed recipient stanza');
    const args = first.slice(3).split(' ');
    if (args.some((a) => a === '' || !/^[\x21-\x7e]+$/.test(a))) throw new AgeError('malformed stanza arguments');
    let body = '';
    for (;;) {
      const next = line();
      if (next.length > 64) throw new AgeError('a stanza line is longer than 64 columns');
      body += next;
      if (next.length < 64) break;
    }
    stanzas.push({ args, body: unb64(body) });
  }
}

// ---------- armor ----------

/** Whether `file` is ASCII-armored (after optional leading whitespace). */
export function isArmored(file: Uint8Array): boolean {
  const head = Buffer.from(file.subarray(0, 64 + ARMOR_BEGIN.length)).toString('latin1');
  return head.trimStart().startsWith(ARMOR_BEGIN);
}

export function armor(file: Uint8Array): string {
  const text = Buffer.from(file).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 64) lines.push(text.slice(i, i + 64));
  return `${ARMOR_BEGIN}\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${ARMOR_END}\n`;
}

/** Strict PEM: whitespace around the block only, 64-column lines (the last shorter or equal), canonical base64. */
export function dearmor(file: Uint8Array): Uint8Array {
  const text = Buffer.from(file).toString('latin1').trim();
  const lines = text.split(/\r?\n/);
  if (lines[0] !== ARMOR_BEGIN || lines[lines.length - 1] !== ARMOR_END) throw new AgeError('malformed armor');
  const body = lines.slice(1, -1);
  body.forEach((l, i) => {
    if (l.length > 64 || (i < body.length - 1 && l.length !== 64)) throw new AgeError('malformed armor line');
  });
  const joined = body.join('');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(joined) || joined.length % 4 !== 0) throw new AgeError('malformed armor');
  const bytes = Buffer.from(joined, 'base64');
  if (bytes.toString('base64') !== joined) throw new AgeError('non-canonical armor');
  return bytes;
}

// ---------- encrypt / decrypt ----------

function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return hkdf(fileKey, nonce, 'payload');
}

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6); // 11-byte big-endian counter; 48 bits are far beyond any secret's size
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Encrypts `plaintext` to every recipient: a binary age file (`armor()` it for text). */
export function encrypt(plaintext: Uint8Array, recipients: readonly Uint8Array[]): Uint8Array {
  if (recipients.length === 0) throw new AgeError('no recipients');
  const fileKey = randomBytes(16);
  let header = `${VERSION_LINE}\n`;
  for (const r of recipients) header += stanzaText(wrapFileKey(fileKey, r));
  header += '---';
  const mac = headerMac(fileKey, Buffer.from(header, 'latin1'));
  header += ` ${b64(mac)}\n`;
  const nonce = randomBytes(16);
  const key = payloadKey(fileKey, nonce);
  fileKey.fill(0);
  const parts: Uint8Array[] = [Buffer.from(header, 'latin1'), nonce];
  const count = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  for (let i = 0; i < count; i++)
    parts.push(seal(key, chunkNonce(i, i === count - 1), plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)));
  key.fill(0);
  return Buffer.concat(parts);
}

/**
 * The plaintext of an age file (armored or binary) for one of `identities`. Throws an AgeError when no identity
 * matches, and for any malformation or tampering; returns nothing partial.
 */
export function decrypt(file: Uint8Array, identities: readonly AgeIdentity[]): Buffer {
  const binary = isArmored(file) ? dearmor(file) : file;
  const header = parseHeader(binary);
  let fileKey: Uint8Array | undefined;
  for (const stanza of header.stanzas) {
    if (stanza.args[0] !== 'X25519') continue;
    if (stanza.args.length !== 2) throw new AgeError('malformed X25519 stanza');
    if (unb64(stanza.args[1]!).length !== 32) throw new AgeError('malformed X25519 share');
    if (stanza.body.length !== 32) throw new AgeError('malformed X25519 stanza body');
    for (const identity of identities) {
      fileKey = unwrapFileKey(stanza, identity);
      if (fileKey) break;
    }
    if (fileKey) break;
  }
  if (!fileKey) throw new AgeError('no identity matched any of the recipients');
  const mac = headerMac(fileKey, header.macInput);
  if (!timingSafeEqual(mac, header.mac)) throw new AgeError('the header MAC does not verify (tampered header)');
  const payload = binary.subarray(header.payloadAt);
  if (payload.length < 16 + TAG) throw new AgeError('the payload is truncated');
  const key = payloadKey(fileKey, payload.subarray(0, 16));
  fileKey.fill(0);
  const sealed = payload.subarray(16);
  const size = CHUNK + TAG;
  const count = Math.max(1, Math.ceil(sealed.length / size));
  const out: Buffer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      const chunk = sealed.subarray(i * size, (i + 1) * size);
      const plain = open(key, chunkNonce(i, last), chunk);
      if (!plain)
        throw new AgeError(last ? 'the last chunk does not verify (tampered or truncated)' : 'a chunk does not verify');
      if (last && plain.length === 0 && count > 1) throw new AgeError('an empty final chunk');
      out.push(plain);
    }
  } catch (error) {
    for (const b of out) b.fill(0);
    throw error;
  } finally {
    key.fill(0);
  }
  const result = Buffer.concat(out);
  for (const b of out) b.fill(0);
  return result;
}

/** How many recipient stanzas a file carries (no key needed): what the lock compares with the roster. */
export function stanzaCount(file: Uint8Array): number {
  return parseHeader(isArmored(file) ? dearmor(file) : file).stanzas.length;
}
