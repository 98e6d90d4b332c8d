/**
 * Replacing a files-store value, keeping the one it replaces as `<file>.previous` for one rollback. Each step is an
 * atomic write, in an order where a crash at any moment leaves the secret file wholly old or wholly new: the new value
 * is written and fsynced to a temp file first, then the current value is saved as `.previous`, then the temp file is
 * renamed over the secret. Writing the new value first means the step most likely to fail (a full disk, a size limit)
 * fails before `.previous` is touched, so the older rollback target survives it. Call under the project lock.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { dirname } from 'node:path/posix';
import { EnvplaneError } from '../errors.ts';
import { removeStaleTemps, type StagedWrite } from '../io/atomic.ts';
import { checkStorePath } from './_paths.ts';
import { PREVIOUS_SUFFIX, refuseLinksOnPath, stageSecretFile, writeStoreFile } from './files.ts';

export interface StoreFile {
  storeDir: string;
  /** Project-relative path of the secret file. */
  path: string;
}

/** How the new value is written before it replaces the file; a parameter so tests can make that write fail. */
export type StageSecret = (root: string, storeDir: string, path: string, value: string) => StagedWrite;

/** Writes `value`; returns whether a previous value was kept. */
export function rotateFile(
  root: string,
  file: StoreFile,
  value: string,
  stage: StageSecret = stageSecretFile,
): { keptPrevious: boolean } {
  checkStorePath(file.storeDir, file.path);
  refuseLinksOnPath(root, file.path);
  const previousPath = file.path + PREVIOUS_SUFFIX;
  refuseLinksOnPath(root, previousPath);
  removeStaleTemps(join(root, dirname(file.path)));
  const current = readBytes(root, file.path);
  const keptPrevious = current !== undefined && current.length > 0;
  // A failure here leaves every file as it was (the temp file is removed by the writer).
  const staged = stage(root, file.storeDir, file.path, value);
  // Read only now, and only to put it back if the final rename fails after `.previous` was replaced.
  let older: Buffer | undefined;
  let replacedPrevious = false;
  try {
    if (keptPrevious) {
      older = readBytes(root, previousPath);
      writeStoreFile(root, previousPath, current);
      replacedPrevious = true;
    }
    staged.commit();
  } catch (error) {
    staged.discard();
    if (replacedPrevious) restorePrevious(root, previousPath, older);
    throw error;
  }
  return { keptPrevious };
}

/**
 * Best effort after a failed rename: the secret file still holds the current value, so `.previous` goes back to the
 * older one (or away, when there was none). A failure here is swallowed: the error worth reporting is the one that got
 * us here, and `.previous` then holds the current value, which is still a valid rollback target.
 */
function restorePrevious(root: string, previousPath: string, older: Buffer | undefined): void {
  try {
    if (older === undefined) unlinkSync(join(root, previousPath));
    else writeStoreFile(root, previousPath, older);
  } catch {
    // see above
  }
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
    fd = openSync(join(root, path), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
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
