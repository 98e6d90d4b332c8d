/**
 * `.env` text as Docker Compose v2 reads it (compose-go `dotenv`), for the project `.env` and every `env_file`.
 * Deliberate differences, all in error reporting: messages never quote the offending text (it may be a secret), an
 * unclosed quote is reported where it opens, and interpolation nested deeper than 32 levels is refused.
 */
import type { VarLookup } from './_interpolate.ts';
import { scan } from './_scanner.ts';
import type { DotenvEntry, Lookup, ParseOptions } from './types.ts';

/**
 * Every assignment in file order, duplicates kept (the last one is what Compose uses). A bare `KEY` line whose
 * variable is unset in the lookup is left out, as Compose leaves it out.
 */
export function parseDotenvEntries(text: string, options: ParseOptions = {}): DotenvEntry[] {
  const entries: DotenvEntry[] = [];
  const earlier = options.earlier === undefined ? undefined : toVarLookup(options.earlier);
  const file = options.file ?? '<input>';
  if (!options.trackLookups) {
    scan(
      text,
      toVarLookup(options.lookup),
      file,
      (key, value, line, column) => {
        entries.push({ key, value, line, column });
      },
      earlier,
      options.quiet,
    );
    return entries;
  }
  // The scanner consults the lookup for a value and only then reports the assignment: what was supplied between two
  // reports belongs to the second.
  const lookup = toVarLookup(options.lookup);
  let supplied: string[] = [];
  const tracked: VarLookup = (name) => {
    const v = lookup(name);
    if (v !== undefined && !supplied.includes(name)) supplied.push(name);
    return v;
  };
  scan(
    text,
    tracked,
    file,
    (key, value, line, column) => {
      entries.push(
        supplied.length > 0 ? { key, value, line, column, fromLookup: supplied } : { key, value, line, column },
      );
      supplied = [];
    },
    earlier,
    options.quiet,
  );
  return entries;
}

/**
 * The final values, as Compose would set them. The record is filled while it has no prototype (so a key such as
 * `__proto__` is an own property like any other and nothing reaches `Object.prototype`), then given the ordinary
 * prototype so that it compares and prints like any object literal.
 */
export function parseDotenv(text: string, options: ParseOptions = {}): Record<string, string> {
  return Object.setPrototypeOf(
    scan(text, toVarLookup(options.lookup), options.file ?? '<input>', undefined, undefined, options.quiet),
    Object.prototype,
  );
}

function toVarLookup(lookup: Lookup | undefined): VarLookup {
  if (lookup === undefined) return () => undefined;
  if (typeof lookup === 'function')
    return (name) => {
      const v = lookup(name);
      return typeof v === 'string' ? v : undefined;
    };
  // Own properties only: `constructor` must not resolve to Object's.
  return (name) => {
    if (!Object.hasOwn(lookup, name)) return undefined;
    const v = lookup[name];
    return typeof v === 'string' ? v : undefined;
  };
}
