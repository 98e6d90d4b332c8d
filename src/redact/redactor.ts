/**
 * A streaming, multi-pattern redactor: bytes in, bytes out, every known secret (and its encoded forms) replaced by
 * `[REDACTED:<name>]`, also when a value arrives split across chunks. Pure: no streams, no I/O; the caller feeds it.
 *
 * Why the output never depends on how the input was chunked: the redactor decides about position p only once the
 * bytes p … p + longest − 1 are known (or the stream has ended), and always takes the longest form that starts at
 * the leftmost matching position. So it keeps a tail of at most (longest pattern − 1) bytes between chunks.
 */
import { encodedForms, MIN_ENCODED_LENGTH } from '../scan/encodings.ts';
import { buildMatcher, findAll, type Matcher } from '../scan/matcher.ts';

export interface NamedSecret {
  name: string;
  value: string;
}

interface Pattern {
  bytes: Uint8Array;
  replacement: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export class StreamRedactor {
  /** Distinct forms of every secret; `Buffer` only for its native substring search (no I/O involved). */
  readonly #patterns: Pattern[] = [];
  readonly #longest: number;
  /** `scan`'s multi-pattern matcher over the same forms: one pass per chunk, whatever the number of forms. */
  readonly #matcher: Matcher | undefined;
  readonly #long: number[];
  readonly #short: number[];
  #tail: Uint8Array = EMPTY;

  constructor(secrets: readonly NamedSecret[]) {
    const encoder = new TextEncoder();
    const seen = new Set<string>();
    // The forms `scan` searches for (one module, one list), so what `scan` would find in the output is replaced.
    for (const { name, value } of secrets)
      for (const form of encodedForms(value)) {
        const id = Buffer.from(form.bytes).toString('latin1');
        if (seen.has(id)) continue; // two secrets with one value: the first name is shown
        seen.add(id);
        this.#patterns.push({ bytes: Buffer.from(form.bytes), replacement: encoder.encode(`[REDACTED:${name}]`) });
      }
    this.#longest = Math.max(0, ...this.#patterns.map((p) => p.bytes.length));
    // Forms of at least MIN_ENCODED_LENGTH bytes go through the matcher, which then looks at one byte in (length − 3);
    // the few shorter values (a short secret is only ever its literal self) through native `indexOf`.
    this.#long = this.#patterns.flatMap((p, i) => (p.bytes.length >= MIN_ENCODED_LENGTH ? [i] : []));
    this.#short = this.#patterns.flatMap((p, i) => (p.bytes.length < MIN_ENCODED_LENGTH ? [i] : []));
    this.#matcher = this.#long.length > 0 ? buildMatcher(this.#long.map((i) => this.#patterns[i]!.bytes)) : undefined;
  }

  /** Bytes that can be released now; up to (longest − 1) bytes stay behind until the next chunk or `end()`. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#longest === 0) return chunk;
    const buffer = concat(this.#tail, chunk);
    return this.#scan(buffer, buffer.length - (this.#longest - 1));
  }

  /** Everything still held back, redacted. The redactor can be reused afterwards. */
  end(): Uint8Array {
    const buffer = this.#tail;
    return buffer.length === 0 ? EMPTY : this.#scan(buffer, buffer.length);
  }

  /**
   * Decides positions [0, limit): repeatedly the leftmost match (the longest one there), skipping occurrences that
   * overlap a match taken; keeps the rest (from the end of the last match, if later) as the tail.
   */
  #scan(bytes: Uint8Array, limit: number): Uint8Array {
    // Every occurrence that starts before `limit`, leftmost first and, at one position, longest first.
    const hits: number[] = [];
    if (this.#matcher)
      findAll(this.#matcher, bytes, (needle, start) => {
        if (start < limit) hits.push(start, this.#long[needle]!);
      });
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    for (const i of this.#short) {
      const needle = this.#patterns[i]!.bytes;
      for (let at = buffer.indexOf(needle); at !== -1 && at < limit; at = buffer.indexOf(needle, at + 1))
        hits.push(at, i);
    }
    const order = Array.from({ length: hits.length / 2 }, (_, i) => i);
    order.sort(
      (a, b) =>
        hits[2 * a]! - hits[2 * b]! ||
        this.#patterns[hits[2 * b + 1]!]!.bytes.length - this.#patterns[hits[2 * a + 1]!]!.bytes.length,
    );
    const parts: Uint8Array[] = [];
    let emitted = 0;
    for (const i of order) {
      const at = hits[2 * i]!;
      if (at < emitted) continue; // overlaps the match just taken
      const match = this.#patterns[hits[2 * i + 1]!]!;
      parts.push(bytes.subarray(emitted, at), match.replacement);
      emitted = at + match.bytes.length;
    }
    const keepFrom = Math.max(emitted, limit, 0);
    parts.push(bytes.subarray(emitted, keepFrom));
    this.#tail = bytes.slice(keepFrom);
    return concatAll(parts);
  }
}

/** One-shot redaction of a whole text. */
export function redactText(text: string, secrets: readonly NamedSecret[]): string {
  const redactor = new StreamRedactor(secrets);
  const decoder = new TextDecoder();
  return (
    decoder.decode(redactor.push(new TextEncoder().encode(text)), { stream: true }) + decoder.decode(redactor.end())
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!.slice();
  const out = new Uint8Array(nonEmpty.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of nonEmpty) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
