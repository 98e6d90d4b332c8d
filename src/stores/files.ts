/**
 * The write side of the `files` store: where a secret file lives on disk, checked to stay inside the store directory
 * and to pass through no symbolic link, and writing it atomically (0600 in 0700 directories, never through a link).
 */
import { lstatSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { type StagedWrite, stageFileAtomic, writeFileAtomic } from '../io/atomic.ts';
import { checkStorePath, EXAMPLE_SUFFIX, PREVIOUS_SUFFIX } from './_paths.ts';

export { checkStorePath, EXAMPLE_SUFFIX, PREVIOUS_SUFFIX };

/** Refuses a symbolic link anywhere between the project root and `relativePath` (the file included). */
export function refuseLinksOnPath(root: string, relativePath: string): void {
  const parts = normalize(relativePath).split(sep);
  let current = root;
  let shown = '';
  for (const part of parts) {
    current = join(current, part);
    shown = shown === '' ? part : `${shown}/${part}`;
    let isLink = false;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return; // the rest does not exist yet
    }
    if (isLink)
      throw new EnvplaneError('input', `refusing to write through the symbolic link ${shown}`, {
        location: { file: shown },
        hint: 'secret files and their folders must be real files inside the project; replace the link',
      });
  }
}

/** Writes a secret value the way `echo value > file` does (one trailing newline, which reading strips). */
export function writeSecretFile(root: string, storeDir: string, relativePath: string, value: string): void {
  stageSecretFile(root, storeDir, relativePath, value).commit();
}

/** `writeSecretFile` in two steps: the value is written and fsynced in a temp file now, put in place by `commit`. */
export function stageSecretFile(root: string, storeDir: string, relativePath: string, value: string): StagedWrite {
  checkStorePath(storeDir, relativePath);
  refuseLinksOnPath(root, relativePath);
  return stageFileAtomic(join(root, relativePath), `${value}\n`, { shownAs: relativePath });
}

/** `writeStoreFile` in two steps: written and fsynced beside the target now, put in place by `commit`. */
export function stageStoreFile(
  root: string,
  relativePath: string,
  contents: string | Uint8Array,
  mode = 0o600,
): StagedWrite {
  refuseLinksOnPath(root, relativePath);
  return stageFileAtomic(join(root, relativePath), contents, { shownAs: relativePath, mode });
}

/** Writes a non-value file of the store (`.example`, `.gitkeep`, a copied template) with the same care. */
export function writeStoreFile(root: string, relativePath: string, contents: string | Uint8Array, mode = 0o600): void {
  refuseLinksOnPath(root, relativePath);
  writeFileAtomic(join(root, relativePath), contents, { shownAs: relativePath, mode });
}
