/** Where a secret lives in a store, and where an instance receives it. */
import { fillRemotePath } from '../manifest/remote-path.ts';
import { fillStorePattern } from '../manifest/names.ts';
import type { Environment, Key } from '../manifest/types.ts';
import type { SecretLocation } from './types.ts';

/** The location of a secret's value in an environment's store (a per-tenant key has one per tenant). */
export function storeLocation(environment: Environment, key: Key, tenant?: string): SecretLocation {
  const store = environment.secrets;
  const perTenant = key.perTenant && tenant !== undefined;
  if (store.kind === 'vault' || store.kind === 'aws') {
    // `{project}` and `{env}` are filled by normalize; the filled path is checked again (names are attack input).
    const template = perTenant ? store.tenantPath : store.path;
    const ref = fillRemotePath(template, { project: '', env: '', name: key.name, ...(perTenant ? { tenant } : {}) });
    return { kind: 'store', store: store.kind, ref };
  }
  const pattern = perTenant ? store.tenantPattern : store.pattern;
  const fill = (text: string) =>
    fillStorePattern(text, key.name, perTenant ? tenant : undefined, store.kind === 'external' ? store.prefix : '');
  return store.kind === 'files'
    ? { kind: 'file', path: `${store.dir}/${fill(pattern)}` }
    : { kind: 'external', name: fill(pattern) };
}

/**
 * A value in a secret manager (Vault, AWS): `check` does not reach it without `--stores` (credentials, network), so
 * the local rules neither read it nor call it missing.
 */
export function isRemoteLocation(location: SecretLocation): boolean {
  return location.kind === 'store' && (location.store === 'vault' || location.store === 'aws');
}

/** Every instance reads a secret at the same path whatever its tenant, so application code stays tenant-agnostic. */
export function secretTarget(name: string): string {
  return `/run/secrets/${name}`;
}
