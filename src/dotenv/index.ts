/**
 * `.env` files with Docker Compose's exact semantics (compose-go), and a writer whose output Compose reads back
 * unchanged.
 */
export { isValidDotenvKey } from './key.ts';
export { parseDotenv, parseDotenvEntries } from './parse.ts';
export { type DotenvValues, type SerializeWarning, serializeDotenv, serializeDotenvReport } from './serialize.ts';
export type { DotenvEntry, Lookup, ParseOptions } from './types.ts';
