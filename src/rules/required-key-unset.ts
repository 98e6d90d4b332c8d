/** The seed's "Environment Variable Not Set": a required config key that no layer and no default gives a value. */
import { groupBy, inManifest, listText } from './_common.ts';
import type { Manifest } from '../manifest/types.ts';
import type { Instance } from '../resolve/types.ts';
import type { Rule } from './types.ts';

export const requiredKeyUnset: Rule<'required-key-unset'> = {
  id: 'required-key-unset',
  severity: 'error',
  title: 'Required key has no value',
  why: 'The service starts without a value it cannot work without, and fails later and further from the cause.',
  hint: 'set it in one of the instance’s layer files, or give the key a `default:` in envplane.yaml',
  run({ manifest, bundles }) {
    const unset = bundles.flatMap((b) =>
      b.config
        .filter((c) => !c.set && manifest.keys[c.key]?.required)
        .map((c) => ({
          key: c.key,
          environment: b.environment,
          instance: b.instance.id,
          service: b.instance.service,
          ...tenantOf(b.instance),
          layers: b.layers,
        })),
    );
    return [...groupBy(unset, (u) => `${u.environment}\0${u.key}`).values()].map((group) => {
      const first = group[0]!;
      const instances = group.map((g) => g.instance);
      return {
        message: `${first.key} is required but has no value for ${listText(instances)} in ${first.environment}`,
        hint: manifest.keys[first.key]?.perTenant
          ? perTenantHint(manifest, first.key, group)
          : `set ${first.key} in ${listText(first.layers.length > 0 ? first.layers : ['a layer file'])}, or give it a \`default:\``,
        location: inManifest(manifest, 'keys', first.key),
        environment: first.environment,
        key: first.key,
        ...(instances.length === 1 ? { instance: first.instance } : {}),
      };
    });
  },
};

/**
 * A per-tenant value belongs in each tenant's own layer (a service `config:` entry with `{tenant}`), not in a layer
 * every tenant shares such as `.env.shared`: name those, or say to add one.
 */
function perTenantHint(
  manifest: Manifest,
  key: string,
  group: { environment: string; instance: string; service: string; tenant?: string }[],
): string {
  const own = group.flatMap((g) =>
    (manifest.services[g.service]?.config ?? [])
      .filter((template) => template.includes('{tenant}'))
      .map((template) => template.replaceAll('{env}', g.environment).replaceAll('{tenant}', g.tenant ?? '')),
  );
  if (own.length > 0) return `${key} is per tenant: set it in each tenant's own layer (${listText([...new Set(own)])})`;
  const service = group[0]!.service;
  return `${key} is per tenant: give services.${service}.config a per-tenant layer such as ".env.${service}.{tenant}" and set it there`;
}

function tenantOf(instance: Instance): { tenant?: string } {
  return instance.tenant === undefined ? {} : { tenant: instance.tenant };
}
