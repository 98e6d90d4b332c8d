/**
 * The `vault` store: HashiCorp Vault KV version 2, one entry `{"value": …}` per secret (docs/stores/vault.md). The
 * client loads only when an environment that uses Vault is read or written.
 */
import type { StoreInfo, StoreLocation } from '../types.ts';

export const vaultStore: StoreInfo = {
  describe: (location: StoreLocation) => (location.kind === 'store' ? `vault ${location.ref}` : String(location.kind)),
  credentials: ['VAULT_*'],
  open: async () => (await import('./_vault-store.ts')).store,
};
