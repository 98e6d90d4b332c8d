/**
 * The one POSIX shell quoting envplane uses for every command line it prints or writes (CI `run:` lines, hints,
 * the pre-commit hook, `render buildkit`): what it interpolates is one word whatever it holds. Pure.
 */

/** Single-quoted, always: safe for any text (a `'` becomes `'\''`). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** As is when plainly safe (letters, digits and `_ . / : = , @ % + -`), else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : shellQuote(word);
}

/** A path as one word: `./` before a leading `-`, so that no command reads it as an option. */
export function shellPath(path: string): string {
  return shellWord(path.startsWith('-') ? `./${path}` : path);
}

/** A command line from words, each quoted as needed. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}
