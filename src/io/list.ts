/**
 * "The names in a folder, or none": for the sweeps, caches and project readers that treat a missing or unreadable
 * folder as an empty one. Only `node:fs`, so the start-up path (the compile cache, `run`'s orphan sweep) stays light.
 */
import { type Dirent, readdirSync } from 'node:fs';

/** Entry names of `dir` in the order the file system gives them; `[]` when it is missing or cannot be read. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The same with file types (no `stat` per entry); `[]` when the folder is missing or cannot be read. */
export function listDirEntries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
