/**
 * Many byte strings searched in one pass over the haystack, at a cost that hardly grows with their number.
 *
 * A sampled q-gram index (the idea of Wu-Manber and Rabin-Karp): with every needle at least `m` bytes long, the
 * haystack is looked at only every `step = m - q + 1` bytes, and any occurrence of any needle must contain, at some
 * offset j < step from its start, the q bytes at one of those sampled positions. The index maps each q-gram at each
 * such offset of each needle to (needle, j); a sampled q-gram that is in the index (a 2 MB bit filter answers "no"
 * for nearly all positions) is confirmed by comparing the needle in place. Each occurrence has exactly one sampled
 * position with j < step, so each is reported once. Secrets are long (≥ 8 bytes, usually 20 or more), so a scan
 * reads one byte in 16 plus the confirmations; an earlier Aho-Corasick DFA read every byte through a table of
 * 17 MB and ran at a fifth of the speed.
 */

export interface Matcher {
  readonly needles: readonly Uint8Array[];
  /** Bytes per gram (4, or the shortest needle when shorter). */
  readonly q: number;
  /** Distance between sampled positions. */
  readonly step: number;
  /** Bit filter over a hash of the gram: a clear bit means no needle holds the gram at an indexed offset. */
  readonly filter: Uint32Array;
  /** Gram → packed `needle * 32 + offset` entries. */
  readonly index: ReadonlyMap<number, readonly number[]>;
}

const FILTER_BITS = 24;
/** The largest step (offsets must fit in the 5 bits of a packed entry). */
const MAX_STEP = 16;

function gramHash(gram: number): number {
  return Math.imul(gram, 0x9e3779b1) >>> (32 - FILTER_BITS);
}

export function buildMatcher(needles: readonly Uint8Array[]): Matcher {
  if (needles.some((n) => n.length === 0)) throw new Error('buildMatcher: empty needle');
  const shortest = needles.reduce((min, n) => Math.min(min, n.length), Number.POSITIVE_INFINITY);
  const q = Math.min(4, Number.isFinite(shortest) ? shortest : 4);
  const step = Math.max(1, Math.min(MAX_STEP, (Number.isFinite(shortest) ? shortest : q) - q + 1));
  const filter = new Uint32Array((1 << FILTER_BITS) / 32);
  const index = new Map<number, number[]>();
  needles.forEach((needle, id) => {
    for (let j = 0; j < step; j++) {
      const gram = gramAt(needle, j, q);
      const h = gramHash(gram);
      filter[h >>> 5] = filter[h >>> 5]! | (1 << (h & 31));
      const list = index.get(gram);
      if (list) list.push(id * 32 + j);
      else index.set(gram, [id * 32 + j]);
    }
  });
  return { needles, q, step, filter, index };
}

function gramAt(bytes: Uint8Array, at: number, q: number): number {
  let gram = 0;
  for (let k = 0; k < q; k++) gram = (gram << 8) | bytes[at + k]!;
  return gram;
}

/** Calls `onMatch(needle, start)` once for every occurrence of every needle (overlapping ones included). */
export function findAll(
  matcher: Matcher,
  haystack: Uint8Array,
  onMatch: (needle: number, start: number) => void,
): void {
  const { q, step, filter, index, needles } = matcher;
  const n = haystack.length;
  if (needles.length === 0) return;
  for (let p = 0; p + q <= n; p += step) {
    let gram = 0;
    for (let k = 0; k < q; k++) gram = (gram << 8) | haystack[p + k]!;
    const h = gramHash(gram);
    if ((filter[h >>> 5]! & (1 << (h & 31))) === 0) continue;
    const entries = index.get(gram);
    if (entries === undefined) continue;
    for (const entry of entries) {
      const id = entry >>> 5;
      const start = p - (entry & 31);
      if (start >= 0 && matchesAt(needles[id]!, haystack, start)) onMatch(id, start);
    }
  }
}

function matchesAt(needle: Uint8Array, haystack: Uint8Array, start: number): boolean {
  if (start + needle.length > haystack.length) return false;
  for (let j = 0; j < needle.length; j++) if (haystack[start + j] !== needle[j]) return false;
  return true;
}
