/**
 * A streaming, multi-pattern redactor: bytes in, bytes out, every known secret (and its encoded forms) replaced by
 * `[REDACTED:<name>]`, also when a value arrives split across chunks. Pure: no streams, no I/O; the caller feeds it.
 *
 * Why the output never depends on how the input was chunked: the redactor decides about position p only once the
 * bytes p … p + longest − 1 are known (or the stream has ended), and always takes the longest form that starts at
 * the leftmost matching position. So it keeps a tail of at most (longest pattern − 1) bytes between chunks.
 */
import { secretForms } from './forms.ts';

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
  #tail: Uint8Array = EMPTY;

  constructor(secrets: readonly NamedSecret[]) {
    const encoder = new TextEncoder();
    const seen = new Set<string>();
    for (const { name, value } of secrets)
      for (const form of secretForms(value)) {
        if (seen.has(form)) continue; // two secrets with one value: the first name is shown
        seen.add(form);
        this.#patterns.push({ bytes: Buffer.from(form, 'utf8'), replacement: encoder.encode(`[REDACTED:${name}]`) });
      }
    this.#longest = Math.max(0, ...this.#patterns.map((p) => p.bytes.length));
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
   * Decides positions [0, limit): repeatedly the leftmost match (the longest one there), found with each pattern's
   * native `indexOf`; keeps the rest (from the end of the last match, if later) as the tail.
   */
  #scan(bytes: Uint8Array, limit: number): Uint8Array {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const next = this.#patterns.map((p) => buffer.indexOf(p.bytes, 0));
    const parts: Uint8Array[] = [];
    let emitted = 0;
    for (;;) {
      let best = -1;
      for (let i = 0; i < next.length; i++) {
        const at = next[i]!;
        if (at === -1 || at >= limit) continue;
        const current = best === -1 ? -1 : next[best]!;
        if (
          best === -1 ||
          at < current ||
          (at === current && this.#patterns[i]!.bytes.length > this.#patterns[best]!.bytes.length)
        )
          best = i;
      }
      if (best === -1) break;
      const match = this.#patterns[best]!;
      const at = next[best]!;
      parts.push(bytes.subarray(emitted, at), match.replacement);
      emitted = at + match.bytes.length;
      // Occurrences that overlap the match are gone; look again from its end.
      for (let i = 0; i < next.length; i++)
        if (next[i] !== -1 && next[i]! < emitted) next[i] = buffer.indexOf(this.#patterns[i]!.bytes, emitted);
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
