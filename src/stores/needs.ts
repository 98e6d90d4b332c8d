/**
 * Which secret values an environment needs: every secret and build secret of every instance, per-tenant ones once
 * per tenant, each with where its value lives. Pure: resolved from the manifest and the parsed layers.
 */
import type { Environment, Key, Manifest } from '../manifest/types.ts';
import { type LayerSet, resolveBundle } from '../resolve/bundle.ts';
import { listInstances } from '../resolve/instances.ts';
import type { SecretLocation } from '../resolve/types.ts';

export interface SecretNeed {
  environment: string;
  key: Key;
  tenant?: string;
  location: SecretLocation;
  /** Instance ids that read it from this location. */
  instances: string[];
}

/** One need per distinct (secret, tenant, location); order: as services declare them. */
export function secretNeeds(manifest: Manifest, layers: LayerSet, environment: Environment): SecretNeed[] {
  const needs = new Map<string, SecretNeed>();
  const add = (name: string, tenant: string | undefined, location: SecretLocation, instance: string) => {
    const id = `${name}@${tenant ?? ''}@${JSON.stringify(location)}`;
    const found = needs.get(id);
    if (found) {
      if (!found.instances.includes(instance)) found.instances.push(instance);
      return;
    }
    const key = manifest.keys[name]!;
    needs.set(id, {
      environment: environment.name,
      key,
      ...(tenant !== undefined ? { tenant } : {}),
      location,
      instances: [instance],
    });
  };
  for (const instance of listInstances(manifest)) {
    const bundle = resolveBundle(manifest, layers, environment, instance);
    for (const s of bundle.secrets) add(s.name, s.tenant, s.location, instance.id);
    for (const b of bundle.build) add(b.id, undefined, b.location, instance.id);
  }
  return [...needs.values()];
}
