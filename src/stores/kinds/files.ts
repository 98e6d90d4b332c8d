/**
 * The `files` store: one plain file per value under the store folder, on one machine (git-ignored). Reading is
 * `read.ts` (already on `run`'s path); the write side (`files.ts`) loads only when something is written.
 */
import { readSecretValue } from '../read.ts';
import type { Store, StoreInfo, StoreLocation } from '../types.ts';

const store: Store = {
  async read(scope, entries) {
    return entries.map((e) => readSecretValue(scope.root, e.location));
  },
  async write(scope, writes) {
    const store = scope.environment.secrets;
    const { writeSecretFile } = await import('../files.ts');
    for (const { entry, value } of writes) {
      if (store.kind !== 'files' || entry.location.kind !== 'file')
        throw new Error('files store: asked to write outside a files store');
      writeSecretFile(scope.root, store.dir, entry.location.path, value);
    }
  },
  async facts(scope, entries) {
    return entries.map((e) => ({ exists: readSecretValue(scope.root, e.location) !== undefined }));
  },
};

export const filesStore: StoreInfo = {
  describe: (location: StoreLocation) => (location.kind === 'file' ? location.path : String(location.kind)),
  credentials: [],
  open: () => store,
};
