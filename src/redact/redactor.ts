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
  /** Patterns by first byte, longest first, so the first hit at a position is the longest one. */
  readonly #byFirst = new Map<number, Pattern[]>();
  /** 1 where some pattern starts with that byte: most bytes are rejected with one array read. */
  readonly #isFirst = new Uint8Array(256);
  readonly #longest: number;
  #tail: Uint8Array = EMPTY;

  constructor(secrets: readonly NamedSecret[]) {
    const encoder = new TextEncoder();
    const seen = new Set<string>();
    let longest = 0;
    for (const { name, value } of secrets)
      for (const form of secretForms(value)) {
        if (seen.has(form)) continue; // two secrets with one value: the first name is shown
        seen.add(form);
        const bytes = encoder.encode(form);
        const list = this.#byFirst.get(bytes[0]!) ?? [];
        list.push({ bytes, replacement: encoder.encode(`[REDACTED:${name}]`) });
        this.#byFirst.set(bytes[0]!, list);
        this.#isFirst[bytes[0]!] = 1;
        longest = Math.max(longest, bytes.length);
      }
    for (const list of this.#byFirst.values()) list.sort((a, b) => b.bytes.length - a.bytes.length);
    this.#longest = longest;
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

  /** Decides positions [0, limit); keeps the rest (from the end of the last match, if later) as the tail. */
  #scan(buffer: Uint8Array, limit: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let emitted = 0;
    let p = 0;
    while (p < limit) {
      const match = this.#isFirst[buffer[p]!] === 1 ? this.#matchAt(buffer, p) : undefined;
      if (match === undefined) {
        p++;
        continue;
      }
      parts.push(buffer.subarray(emitted, p), match.replacement);
      p += match.bytes.length;
      emitted = p;
    }
    const keepFrom = Math.max(emitted, Math.max(limit, 0));
    parts.push(buffer.subarray(emitted, keepFrom));
    this.#tail = buffer.slice(keepFrom);
    return concatAll(parts);
  }

  #matchAt(buffer: Uint8Array, p: number): Pattern | undefined {
    const candidates = this.#byFirst.get(buffer[p]!);
    if (candidates === undefined) return undefined;
    for (const pattern of candidates) if (startsWith(buffer, p, pattern.bytes)) return pattern;
    return undefined;
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

function startsWith(buffer: Uint8Array, at: number, pattern: Uint8Array): boolean {
  if (at + pattern.length > buffer.length) return false;
  for (let i = 1; i < pattern.length; i++) if (buffer[at + i] !== pattern[i]) return false;
  return true;
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
