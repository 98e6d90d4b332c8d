/**
 * envplane as a library. The pure core (manifest, dotenv, resolve) takes data and returns data; `loadProject` is
 * the one function here that reads the disk.
 */
export { parseDotenv, parseDotenvEntries, serializeDotenv } from './dotenv/index.ts';
export type { DotenvEntry, Lookup, ParseOptions } from './dotenv/index.ts';
export { EnvplaneError, formatLocation, type ErrorKind, type ErrorLocation } from './errors.ts';
export { parseManifest } from './manifest/parse.ts';
export type * from './manifest/types.ts';
export { loadProject, findProjectRoot, type Project, type LoadOptions } from './project/load.ts';
export * from './resolve/index.ts';
