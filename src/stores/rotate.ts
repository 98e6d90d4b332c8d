/**
 * Replacing a files-store value, keeping the one it replaces as `<file>.previous` for one rollback. Each step is an
 * atomic write, in an order where a crash at any moment leaves the secret file wholly old or wholly new: the old
 * value is saved first, then the new one replaces the file. Call under the project lock.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { removeStaleTemps } from '../io/atomic.ts';
import { PREVIOUS_SUFFIX, refuseLinksOnPath, writeSecretFile, writeStoreFile } from './files.ts';
import { checkStorePath } from './_paths.ts';
import { dirname } from 'node:path/posix';

export interface StoreFile {
  storeDir: string;
  /** Project-relative path of the secret file. */
  path: string;
}

/** Writes `value`; returns whether a previous value was kept. */
export function rotateFile(root: string, file: StoreFile, value: string): { keptPrevious: boolean } {
  checkStorePath(file.storeDir, file.path);
  refuseLinksOnPath(root, file.path);
  refuseLinksOnPath(root, file.path + PREVIOUS_SUFFIX);
  removeStaleTemps(join(root, dirname(file.path)));
  const current = readBytes(root, file.path);
  const keptPrevious = current !== undefined && current.length > 0;
  if (keptPrevious) writeStoreFile(root, file.path + PREVIOUS_SUFFIX, current);
  writeSecretFile(root, file.storeDir, file.path, value);
  return { keptPrevious };
}

/** Puts `<file>.previous` back and removes it (one step back only). */
export function rollbackFile(root: string, file: StoreFile): void {
  checkStorePath(file.storeDir, file.path);
  refuseLinksOnPath(root, file.path);
  refuseLinksOnPath(root, file.path + PREVIOUS_SUFFIX);
  removeStaleTemps(join(root, dirname(file.path)));
  const previous = readBytes(root, file.path + PREVIOUS_SUFFIX);
  if (previous === undefined || previous.length === 0)
    throw new EnvplaneError('input', `there is no previous value to roll back to`, {
      location: { file: file.path + PREVIOUS_SUFFIX },
      hint: 'only the value replaced by the last `envplane rotate` is kept, for one rollback',
    });
  writeStoreFile(root, file.path, previous);
  // A crash before this unlink leaves both files equal: a second rollback writes the same value again.
  try {
    unlinkSync(join(root, file.path + PREVIOUS_SUFFIX));
  } catch {
    // already gone
  }
}

/** A file's raw bytes (never interpreted or shown), read without following a link; undefined when absent. */
function readBytes(root: string, path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(join(root, path), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new EnvplaneError('input', `cannot read ${path}: ${code === 'ELOOP' ? 'it is a symbolic link' : code}`, {
      location: { file: path },
    });
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new EnvplaneError('input', `${path} is not a regular file`, { location: { file: path } });
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
