/** Where a secret lives in a store, and where an instance receives it. */
import type { Environment, Key } from '../manifest/types.ts';
import type { SecretLocation } from './types.ts';

/** The location of a secret's value in an environment's store (a per-tenant key has one per tenant). */
export function storeLocation(environment: Environment, key: Key, tenant?: string): SecretLocation {
  const store = environment.secrets;
  const perTenant = key.perTenant && tenant !== undefined;
  const pattern = perTenant ? store.tenantPattern : store.pattern;
  const fill = (text: string) =>
    text
      .replaceAll('{name}', key.name)
      .replaceAll('{tenant}', tenant ?? '')
      .replaceAll('{prefix}', store.kind === 'external' ? store.prefix : '');
  return store.kind === 'files'
    ? { kind: 'file', path: `${store.dir}/${fill(pattern)}` }
    : { kind: 'external', name: fill(pattern) };
}

/** Every instance reads a secret at the same path whatever its tenant, so application code stays tenant-agnostic. */
export function secretTarget(name: string): string {
  return `/run/secrets/${name}`;
}
