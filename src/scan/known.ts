/**
 * Where every secret value envplane knows lives: each environment's store location of every secret and build key
 * (once per tenant for a per-tenant key), and every secret still written in a config layer. Pure: values are read
 * by the caller, one location at a time.
 */
import type { Manifest } from '../manifest/types.ts';
import { listInstances } from '../resolve/instances.ts';
import { layersFor } from '../resolve/layers.ts';
import { storeLocation } from '../resolve/secrets.ts';
import type { SecretLocation } from '../resolve/types.ts';

export interface SecretOwner {
  name: string;
  environment: string;
  tenant?: string;
}

export interface SecretSource {
  owner: SecretOwner;
  location: SecretLocation;
}

/** Parsed layers by path, as a project loader returns them (only keys and lines are looked at). */
export type LayerKeys = Readonly<Record<string, readonly { key: string; line: number }[] | undefined>>;

export function secretSources(manifest: Manifest, layers: LayerKeys): SecretSource[] {
  const sources = new Map<string, SecretSource>();
  const add = (source: SecretSource) => {
    const id = JSON.stringify([source.owner.environment, source.owner.name, source.owner.tenant, source.location]);
    if (!sources.has(id)) sources.set(id, source);
  };
  const secretKeys = Object.values(manifest.keys).filter((k) => k.plane === 'secret' || k.plane === 'build');
  const instances = listInstances(manifest);
  for (const environment of manifest.environments) {
    for (const key of secretKeys) {
      const tenants = key.perTenant ? manifest.tenants : [undefined];
      for (const tenant of tenants)
        add({
          owner: { name: key.name, environment: environment.name, ...(tenant ? { tenant } : {}) },
          location: storeLocation(environment, key, tenant),
        });
    }
    // A layer file's tenant is known when every instance that reads it runs for the same tenant (`.env.etl.wex`).
    const readers = new Map<string, Set<string | undefined>>();
    for (const instance of instances)
      for (const ref of layersFor(manifest, environment, instance)) {
        const set = readers.get(ref.path) ?? new Set();
        set.add(instance.tenant);
        readers.set(ref.path, set);
      }
    for (const [file, tenants] of readers) {
      const tenant = tenants.size === 1 ? [...tenants][0] : undefined;
      for (const entry of layers[file] ?? []) {
        const key = manifest.keys[entry.key];
        if (!key || (key.plane !== 'secret' && key.plane !== 'build')) continue;
        add({
          owner: { name: key.name, environment: environment.name, ...(key.perTenant && tenant ? { tenant } : {}) },
          location: { kind: 'layer', file, line: entry.line },
        });
      }
    }
  }
  return [...sources.values()];
}

export interface KnownValues {
  /** Distinct values, each with everyone who holds it; the only place values are kept. */
  values: string[];
  owners: SecretOwner[][];
  /** Config layer lines that hold a value (its home; `check` reports it): path → line → value index. */
  layerHomes: Map<string, Map<number, number>>;
  /** Files of a `files` store: never scanned in the working tree (they are where the values belong). */
  storeFiles: Set<string>;
  skippedShort: number;
  missing: number;
}

/** Groups read values: equal values are searched once and reported with every owner. */
export function collectKnownValues(
  sources: readonly SecretSource[],
  read: (location: SecretLocation) => string | undefined,
  minLength: number,
): KnownValues {
  const known: KnownValues = {
    values: [],
    owners: [],
    layerHomes: new Map(),
    storeFiles: new Set(),
    skippedShort: 0,
    missing: 0,
  };
  const index = new Map<string, number>();
  const short = new Set<string>();
  for (const { owner, location } of sources) {
    if (location.kind === 'file') known.storeFiles.add(location.path);
    const value = read(location);
    if (value === undefined) {
      known.missing++;
      continue;
    }
    if ([...value].length < minLength) {
      short.add(value);
      continue;
    }
    let i = index.get(value);
    if (i === undefined) {
      i = known.values.push(value) - 1;
      known.owners.push([]);
      index.set(value, i);
    }
    known.owners[i]!.push(owner);
    if (location.kind === 'layer') {
      const lines = known.layerHomes.get(location.file) ?? new Map<number, number>();
      lines.set(location.line, i);
      known.layerHomes.set(location.file, lines);
    }
  }
  known.skippedShort = short.size;
  return known;
}
