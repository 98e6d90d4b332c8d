/**
 * The `external` store: names only (Compose/Swarm secrets created outside envplane). envplane holds no value and
 * writes none: every read answers "missing", and the commands that need values say why.
 */
import type { Store, StoreInfo, StoreLocation } from '../types.ts';

const store: Store = {
  async read(_scope, entries) {
    return entries.map(() => undefined);
  },
  async facts(_scope, entries) {
    return entries.map(() => ({ exists: false }));
  },
};

export const externalStore: StoreInfo = {
  describe: (location: StoreLocation) =>
    location.kind === 'external' ? `external secret ${location.name}` : String(location.kind),
  credentials: [],
  open: () => store,
};
