/**
 * Who owns what among tenants: a layer file made from a `{tenant}` template belongs to that tenant, and a per-tenant
 * secret's store location belongs to its tenant. Used by the isolation rules and the Compose comparison.
 */
import { storeLocation } from '../resolve/secrets.ts';
import type { Environment, Manifest } from '../manifest/types.ts';

/** Layer path → tenant, for every `{tenant}` layer of every per-tenant service in the given environments. */
export function tenantLayers(manifest: Manifest, environments: readonly Environment[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const service of Object.values(manifest.services)) {
    if (!service.perTenant) continue;
    for (const template of service.config) {
      if (!template.includes('{tenant}')) continue;
      for (const environment of environments)
        for (const tenant of service.tenants)
          owners.set(template.replaceAll('{env}', environment.name).replaceAll('{tenant}', tenant), tenant);
    }
  }
  return owners;
}

export interface SecretOwner {
  key: string;
  tenant?: string;
}

/** Secret file paths and external names → the key (and tenant) they hold, in every environment. */
export function secretOwners(manifest: Manifest): Map<string, SecretOwner> {
  const owners = new Map<string, SecretOwner>();
  for (const environment of manifest.environments)
    for (const key of Object.values(manifest.keys)) {
      if (key.plane !== 'secret' && key.plane !== 'build') continue;
      const tenants = key.perTenant ? manifest.tenants : [undefined];
      for (const tenant of tenants) {
        const location = storeLocation(environment, key, tenant);
        const id = location.kind === 'file' ? location.path : location.kind === 'external' ? location.name : '';
        if (!owners.has(id)) owners.set(id, tenant === undefined ? { key: key.name } : { key: key.name, tenant });
      }
    }
  return owners;
}
