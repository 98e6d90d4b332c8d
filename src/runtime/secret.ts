/**
 * A secret value that does not print itself: `console.log`, `util.inspect`, `String()`, template literals, `+`
 * and `JSON.stringify` all show `[REDACTED]`. Only `.reveal()` returns the value, so a leak takes a visible call.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const SHOWN = '[REDACTED]';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
  /** The secret's name (`postgres_password`); names are not secret. */
  readonly name: string;
  // A private field: invisible to Object.keys, spreading, structuredClone's enumeration and util.inspect.
  readonly #value: string;

  constructor(name: string, value: string) {
    this.name = name;
    this.#value = value;
    Object.freeze(this);
  }

  /** The value. Call it at the point of use (the database driver, the HTTP header), not earlier. */
  reveal(): string {
    return this.#value;
  }

  /** Compares with `candidate` in constant time (sha-256 digests compared with `timingSafeEqual`). */
  equals(candidate: string | Secret): boolean {
    const other = typeof candidate === 'string' ? candidate : candidate.reveal();
    return timingSafeEqual(digest(this.#value), digest(other));
  }

  toString(): string {
    return SHOWN;
  }

  toJSON(): string {
    return SHOWN;
  }

  [Symbol.toPrimitive](): string {
    return SHOWN;
  }

  [inspectSymbol](): string {
    return SHOWN;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
