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

/** One problem of several that one error reports (a manifest with three mistakes reports three). */
export interface ErrorDetail {
  message: string;
  location?: ErrorLocation;
  hint?: string;
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
  /** When the error stands for several problems found in one pass: every one of them, this error's own first. */
  readonly problems?: readonly ErrorDetail[];

  constructor(
    kind: ErrorKind,
    message: string,
    options: { location?: ErrorLocation; hint?: string; problems?: readonly ErrorDetail[] } = {},
  ) {
    super(message);
    this.kind = kind;
    if (options.location) this.location = options.location;
    if (options.hint) this.hint = options.hint;
    if (options.problems && options.problems.length > 1) this.problems = options.problems;
  }

  /** One error for every problem of a pass (none → undefined), located at and worded as the first. */
  static of(kind: ErrorKind, problems: readonly ErrorDetail[]): EnvplaneError | undefined {
    const first = problems[0];
    if (!first) return undefined;
    return new EnvplaneError(kind, first.message, {
      ...(first.location ? { location: first.location } : {}),
      ...(first.hint ? { hint: first.hint } : {}),
      problems,
    });
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
