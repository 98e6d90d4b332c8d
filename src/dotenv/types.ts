/** One assignment read from `.env` text. */
export interface DotenvEntry {
  key: string;
  value: string;
  /** 1-based line of the key. */
  line: number;
  /** 1-based column of the key, in UTF-16 code units (as editors and LSP count them). */
  column: number;
  /**
   * With `ParseOptions.trackLookups`: the variables whose value the lookup environment (the caller's shell, for
   * Compose) supplied to this value, by interpolation or as a bare `KEY` line. Absent when none did.
   */
  fromLookup?: string[];
}

/**
 * The environment a `.env` file is read against (the OS environment, for Compose). A record is read by own
 * properties only, so `constructor` or `__proto__` never resolve to something inherited; a function returns
 * `undefined` for an unset variable.
 */
export type Lookup = Record<string, string | undefined> | ((name: string) => string | undefined);

export interface ParseOptions {
  /** Consulted first by interpolation and by bare `KEY` lines. Nothing is read from `process.env` unless given. */
  lookup?: Lookup;
  /** Named in error locations; `<input>` when absent. */
  file?: string;
  /**
   * Values already set before this file (the earlier `env_file`s of a Compose service): interpolation consults them
   * after the lookup environment and the keys read earlier in this file. A bare `KEY` line never reads them.
   */
  earlier?: Lookup;
  /** Record on each entry which variables the lookup environment supplied (`DotenvEntry.fromLookup`). */
  trackLookups?: boolean;
  /**
   * Keys whose lines are never quoted in an error, not even a `${VAR:?message}` text (which Compose prints): the
   * secrets of a manifest, whose line holds a value where the message stands.
   */
  quiet?: (key: string) => boolean;
}
