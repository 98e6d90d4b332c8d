/**
 * The part of citty that runs a command (argument parsing, usage text), loaded by `main` only once it knows which
 * command to run: as its own bundle it goes through the code cache (_compile-cache.ts) like the commands do.
 */
export { renderUsage, runCommand } from 'citty';
