/**
 * Which secrets of an environment live in config layers, and the store file each should move to, with the value the
 * instances receive today. Grouped by destination so that two instances that would share a store file must agree on
 * the value (they are refused otherwise). Pure.
 */
import { EnvplaneError } from '../errors.ts';
import type { Environment, Key, Manifest } from '../manifest/types.ts';
import { type LayerSet, resolveBundle } from '../resolve/bundle.ts';
import { listInstances } from '../resolve/instances.ts';
import { layersFor } from '../resolve/layers.ts';
import { storeLocation } from '../resolve/secrets.ts';
import type { Instance } from '../resolve/types.ts';
import type { Move } from './migration.ts';

export interface LayerSecretSource {
  file: string;
  line: number;
  key: string;
}

export interface Destination {
  path: string;
  name: string;
  tenant?: string;
  value: string;
  /** Every assignment that goes away when the value moves (shadowed ones included). */
  from: LayerSecretSource[];
}

export function bundleSecretValues(
  manifest: Manifest,
  layers: LayerSet,
  environment: Environment,
  warnings: string[],
): { destinations: Destination[]; kept: Move[] } {
  const destinations = new Map<string, Destination>();
  const kept: Move[] = [];
  const instances = listInstances(manifest);
  const add = (key: Key, tenant: string | undefined, value: string, sources: LayerSecretSource[]): boolean => {
    const location = storeLocation(environment, key, key.perTenant ? tenant : undefined);
    if (location.kind !== 'file') return false;
    const existing = destinations.get(location.path);
    if (existing && existing.value !== value) return false;
    const dest: Destination = existing ?? {
      path: location.path,
      name: key.name,
      ...(key.perTenant && tenant !== undefined ? { tenant } : {}),
      value,
      from: [],
    };
    for (const s of sources) if (!dest.from.some((f) => f.file === s.file && f.line === s.line)) dest.from.push(s);
    destinations.set(location.path, dest);
    return true;
  };

  // 1. What each instance resolves from a layer today.
  for (const instance of instances) {
    const bundle = resolveBundle(manifest, layers, environment, instance);
    for (const secret of bundle.secrets) {
      if (secret.location.kind !== 'layer') continue;
      const { file, line } = secret.location;
      const value = layers[file]?.find((e) => e.line === line)?.value ?? '';
      const sources = bundle.layers.flatMap((f) =>
        (layers[f] ?? []).filter((e) => e.key === secret.name).map((e) => ({ file: f, line: e.line, key: e.key })),
      );
      for (const s of sources)
        if (s.file !== file || s.line !== line)
          warnings.push(`${secret.name} at ${s.file}:${s.line} was shadowed for ${instance.id}; it is removed too`);
      if (!add(manifest.keys[secret.name]!, instance.tenant, value, sources))
        throw new EnvplaneError('input', `${secret.name} has different values for different instances`, {
          location: { file, line },
          hint: 'a secret shared by several instances has one value in the store; make the layer values agree, or make the key `perTenant: true`',
        });
    }
  }

  // 2. Secrets set in a layer that no instance uses: still a secret in a config file.
  const readers = layerReaders(manifest, environment, instances);
  for (const [file, fileInstances] of readers) {
    for (const entry of lastPerKey(layers[file] ?? [])) {
      const key = manifest.keys[entry.key];
      if (!key || (key.plane !== 'secret' && key.plane !== 'build')) continue;
      if ([...destinations.values()].some((d) => d.from.some((f) => f.file === file && f.key === entry.key))) continue;
      const tenants = [...new Set(fileInstances.map((i) => i.tenant))];
      const tenant = tenants.length === 1 ? tenants[0] : undefined;
      const where = { file, line: entry.line };
      if (key.perTenant && tenant === undefined) {
        kept.push(keptMove(entry.key, where, 'a per-tenant secret in a file no single tenant owns'));
        continue;
      }
      const sources = (layers[file] ?? [])
        .filter((e) => e.key === entry.key)
        .map((e) => ({ file, line: e.line, key: e.key }));
      if (!add(key, tenant, entry.value, sources))
        kept.push(keptMove(entry.key, where, 'its value differs from the one the instances receive'));
    }
  }

  // 3. A layer that another environment also reads keeps a key whose store differs there.
  for (const dest of destinations.values()) {
    dest.from = dest.from.filter((source) => {
      const other = otherEnvironmentStore(manifest, environment, source.file, manifest.keys[dest.name]!, dest.path);
      if (other === undefined) return true;
      kept.push(
        keptMove(
          source.key,
          source,
          `environment "${other}" also reads ${source.file} and stores ${dest.name} elsewhere`,
        ),
      );
      warnings.push(`${source.key} stays in ${source.file}: environment "${other}" reads that file too`);
      return false;
    });
  }
  return { destinations: [...destinations.values()], kept };
}

function keptMove(key: string, from: { file: string; line: number }, why: string): Move {
  return {
    key,
    from: { file: from.file, line: from.line },
    plane: 'secret',
    name: key,
    to: from.file,
    status: 'kept',
    reason: why,
  };
}

/** Layer file → the instances that read it in this environment. */
function layerReaders(manifest: Manifest, environment: Environment, instances: Instance[]): Map<string, Instance[]> {
  const out = new Map<string, Instance[]>();
  for (const instance of instances)
    for (const ref of layersFor(manifest, environment, instance))
      out.set(ref.path, [...(out.get(ref.path) ?? []), instance]);
  return out;
}

function lastPerKey<T extends { key: string }>(entries: readonly T[]): T[] {
  const out = new Map<string, T>();
  for (const e of entries) out.set(e.key, e);
  return [...out.values()];
}

/** The name of another environment that reads `file` and would look for `key` somewhere other than `path`. */
function otherEnvironmentStore(
  manifest: Manifest,
  environment: Environment,
  file: string,
  key: Key,
  path: string,
): string | undefined {
  for (const other of manifest.environments) {
    if (other.name === environment.name) continue;
    for (const instance of listInstances(manifest)) {
      if (!layersFor(manifest, other, instance).some((l) => l.path === file)) continue;
      const location = storeLocation(other, key, key.perTenant ? instance.tenant : undefined);
      if (location.kind !== 'file' || location.path !== path) return other.name;
    }
  }
  return undefined;
}
