/**
 * `.env` parsing throughput: envplane's Compose-exact parser against npm `dotenv`'s `parse` on the same ~10 MB of
 * realistic lines, timed interleaved in one process so machine noise hits both alike.
 */
import dotenv from 'dotenv';
import { parseDotenv } from '../src/dotenv/index.ts';
import { mulberry32 as random } from '../test/_random.ts';

const TARGET_BYTES = 10 * 1024 * 1024;
const REPETITIONS = 9;

const SERVICES = ['API', 'BACKEND', 'WORKER', 'ETL', 'FRONTEND', 'AUTH', 'BILLING', 'SEARCH', 'MAILER', 'GATEWAY'];
const THINGS = ['HOST', 'PORT', 'URL', 'USER', 'PASSWORD', 'TOKEN', 'TIMEOUT_MS', 'LOG_LEVEL', 'POOL_SIZE', 'REGION'];
const TENANTS = ['', '', '', '_ACME', '_WEX', '_TECHCORP'];
const WORDS = ['postgres', 'redis', 'api', 'backend', 'worker', 'etl', 'cache', 'queue', 'primary', 'replica'];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Lines as real projects write them: plain values, URLs, quoted strings with spaces, base64 secrets, inline
 * comments, blank lines and comment lines, `export`, and a few interpolations (which npm dotenv leaves alone). Keys
 * come from a service × setting × tenant vocabulary (a few hundred names, repeated), as in the concatenated
 * `.env.shared` + `.env.<service>.<tenant>` files a project really loads; `uniqueKeys` makes every key distinct
 * instead, which measures mostly how fast V8 adds 200k new property names to an object.
 */
export function generateEnvText(bytes = TARGET_BYTES, seed = 42, uniqueKeys = false): string {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const token = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    return s;
  };
  const parts: string[] = [];
  let size = 0;
  let i = 0;
  while (size < bytes) {
    const key = `${pick(SERVICES)}_${pick(THINGS)}${pick(TENANTS)}${uniqueKeys ? `_${i++}` : ''}`;
    const r = rnd();
    let line: string;
    if (r < 0.3) line = `${key}=${token(8 + Math.floor(rnd() * 24))}`;
    else if (r < 0.45)
      line = `${key}=https://${pick(WORDS)}.example.com:${1000 + Math.floor(rnd() * 9000)}/${token(6)}`;
    else if (r < 0.58) line = `${key}="${pick(WORDS)} ${pick(WORDS)} ${token(10)}"`;
    else if (r < 0.68) line = `${key}='${token(44)}='`;
    else if (r < 0.76) line = `${key}=${Math.floor(rnd() * 100000)} # ${pick(WORDS)} setting`;
    else if (r < 0.83) line = `# ${pick(WORDS)} ${pick(WORDS)} configuration`;
    else if (r < 0.88) line = '';
    else if (r < 0.94) line = `export ${key}=${token(12)}`;
    else line = `${key}=\${${pick(SERVICES)}_HOST:-localhost}:${1000 + Math.floor(rnd() * 9000)}`;
    parts.push(line);
    size += line.length + 1;
  }
  return parts.join('\n') + '\n';
}

export async function benchParse(): Promise<{ name: string; ours_ms: number[]; peer_ms: number[]; bytes: number }> {
  const text = generateEnvText();
  const bytes = Buffer.byteLength(text);
  // No forced collection between runs: a full GC discards the parser's optimized code (it refers weakly to shapes of
  // per-call objects), which would time recompilation instead of parsing; natural collections still happen.
  const time = (fn: () => unknown) => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const ours = () => parseDotenv(text);
  const peer = () => dotenv.parse(text);
  // Warm both up so that no timed run includes compiling.
  for (let i = 0; i < 2; i++) {
    ours();
    peer();
  }
  const ours_ms: number[] = [];
  const peer_ms: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    // Alternate which goes first, so that neither always pays for the other's garbage.
    if (i % 2 === 0) {
      ours_ms.push(time(ours));
      peer_ms.push(time(peer));
    } else {
      peer_ms.push(time(peer));
      ours_ms.push(time(ours));
    }
  }
  return {
    name: `.env parse, ${(bytes / 1048576).toFixed(1)} MB of mixed lines, keys from a service vocabulary`,
    ours_ms,
    peer_ms,
    bytes,
  };
}
