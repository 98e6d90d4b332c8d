/**
 * Isolation proof, part two: no tenant instance can reach another tenant's value. A tenant reads no other tenant's
 * layer file, a per-tenant key comes from the tenant's own file or store location, and no two tenants share a
 * per-tenant secret location.
 */
import { inManifest, locationId, locationText, secretProblemLocation } from './_common.ts';
import { tenantLayers } from './_tenancy.ts';
import type { Finding, Rule } from './types.ts';

export const isolationTenant: Rule<'isolation-tenant'> = {
  id: 'isolation-tenant',
  severity: 'error',
  title: 'Tenant can reach another tenant’s value',
  why: 'A compromised or misconfigured tenant instance must not be able to act as another client.',
  hint: 'keep per-tenant values in `{tenant}` layers or the tenant’s own store path (`tenantPattern` with `{tenant}`)',
  run({ manifest, environments, bundles }) {
    const owners = tenantLayers(manifest, environments);
    const found: Finding[] = [];
    const sharedLocations = new Map<string, { tenant: string; instance: string }>();
    for (const b of bundles) {
      const tenant = b.instance.tenant;
      const at = { environment: b.environment, instance: b.instance.id, service: b.instance.service };
      for (const layer of b.layers) {
        const owner = owners.get(layer);
        if (owner !== undefined && owner !== tenant)
          found.push({
            ...at,
            message: `${b.instance.id} reads ${layer}, the layer of tenant ${owner}, in ${b.environment}`,
            location: inManifest(manifest, 'services', b.instance.service, 'config'),
          });
      }
      if (tenant === undefined) continue;
      for (const c of b.config) {
        if (!manifest.keys[c.key]?.perTenant || c.source.kind !== 'layer') continue;
        if (owners.get(c.source.file) === tenant) continue;
        found.push({
          ...at,
          key: c.key,
          message: `per-tenant key ${c.key} of ${b.instance.id} comes from ${c.source.file}, which is not ${tenant}'s own layer`,
          location: { file: c.source.file, line: c.source.line },
        });
      }
      for (const s of b.secrets) {
        if (!manifest.keys[s.name]?.perTenant) continue;
        if (s.location.kind === 'layer' && owners.get(s.location.file) !== tenant) {
          found.push({
            ...at,
            key: s.name,
            message: `per-tenant secret ${s.name} of ${b.instance.id} comes from ${s.location.file}, which is not ${tenant}'s own layer`,
            location: secretProblemLocation(s.location)!,
          });
          continue;
        }
        const id = `${b.environment}\0${locationId(s.location)}`;
        const other = sharedLocations.get(id);
        if (other && other.tenant !== tenant) {
          const where = secretProblemLocation(s.location);
          found.push({
            ...at,
            key: s.name,
            message: `per-tenant secret ${s.name} of ${b.instance.id} and of ${other.instance} is the same location ${locationText(s.location)}`,
            ...(where ? { location: where } : {}),
          });
        } else if (!other) sharedLocations.set(id, { tenant, instance: b.instance.id });
      }
    }
    return found;
  },
};
