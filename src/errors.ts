/**
 * The one error type envplane throws on purpose. The CLI maps `kind` to an exit code; messages never hold a secret
 * value (callers pass names, paths and positions only).
 */
export type ErrorKind =
  /** Bad flags or arguments: exit 2. */
  | 'usage'
  /** Bad input files (manifest, .env, missing files, permissions): exit 2. */
  | 'input'
  /** The operation ran and failed: exit 1. */
  | 'failure';

export interface ErrorLocation {
  file: string;
  line?: number;
  column?: number;
}

/** Marks envplane's errors across bundles: each CLI command is its own bundle with its own copy of this class. */
const BRAND = Symbol.for('envplane.EnvplaneError');

export class EnvplaneError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  override name = 'EnvplaneError';
  readonly [BRAND] = true;
  readonly kind: ErrorKind;
  readonly location?: ErrorLocation;
  readonly hint?: string;

  constructor(kind: ErrorKind, message: string, options: { location?: ErrorLocation; hint?: string } = {}) {
    super(message);
    this.kind = kind;
    if (options.location) this.location = options.location;
    if (options.hint) this.hint = options.hint;
  }
}

/** `file:line:column` as editors and terminals link it. */
export function formatLocation(location: ErrorLocation): string {
  let out = location.file;
  if (location.line !== undefined) {
    out += `:${location.line}`;
    if (location.column !== undefined) out += `:${location.column}`;
  }
  return out;
}
