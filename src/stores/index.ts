/**
 * The stores, one line each: what a store kind is called in the manifest → its entry in `kinds/`. The compiler
 * proves every kind the manifest accepts has one. Reading values for delivery goes through `readStoreValues`, which
 * also answers for secrets still kept in a config layer (the second seed's layout).
 */
import type { Environment } from '../manifest/types.ts';
import type { SecretLocation } from '../resolve/types.ts';
import { awsStore } from './kinds/aws.ts';
import { externalStore } from './kinds/external.ts';
import { filesStore } from './kinds/files.ts';
import { vaultStore } from './kinds/vault.ts';
import type { LayerEntries } from './read.ts';
import type { StoreEntry, StoreInfo, StoreKind, StoreLocation, StoreScope } from './types.ts';

export const STORES = {
  files: filesStore,
  external: externalStore,
  vault: vaultStore,
  aws: awsStore,
} satisfies Record<StoreKind, StoreInfo>;

/** The store of an environment's secrets. */
export function storeOf(environment: Environment): StoreInfo {
  return STORES[environment.secrets.kind];
}

/** Which store a location belongs to (a location carries its kind, so any location can be described). */
function storeOfLocation(location: StoreLocation): StoreInfo {
  switch (location.kind) {
    case 'file':
      return STORES.files;
    case 'external':
      return STORES.external;
    case 'store':
      return STORES[location.store];
  }
}

/** Where a value lives, as output shows it: a path, `external secret X`, or `file:line` for a config layer. */
export function describeLocation(location: SecretLocation): string {
  if (location.kind === 'layer') return `${location.file}:${location.line}`;
  return storeOfLocation(location).describe(location);
}

/** A secret to read: its name and tenant, and where its value is (a store location or a config layer). */
export interface ValueRequest {
  name: string;
  tenant?: string;
  location: SecretLocation;
}

/**
 * The values of `requests`, in their order (undefined where missing). Store locations are handed to each store in
 * one batch; layer locations are answered from the parsed layers.
 */
export async function readStoreValues(
  scope: StoreScope,
  requests: readonly ValueRequest[],
  layers: LayerEntries = {},
): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = new Array(requests.length).fill(undefined);
  const batches = new Map<StoreInfo, { at: number[]; entries: StoreEntry[] }>();
  requests.forEach((r, i) => {
    const location = r.location;
    if (location.kind === 'layer') {
      out[i] = layers[location.file]?.find((e) => e.line === location.line)?.value;
      return;
    }
    const info = storeOfLocation(location);
    const batch = batches.get(info) ?? { at: [], entries: [] };
    batches.set(info, batch);
    batch.at.push(i);
    batch.entries.push({ name: r.name, ...(r.tenant !== undefined ? { tenant: r.tenant } : {}), location });
  });
  for (const [info, batch] of batches) {
    const values = await (await info.open()).read(scope, batch.entries);
    batch.at.forEach((at, j) => {
      out[at] = values[j];
    });
  }
  return out;
}

/** Whether a variable holds some store's credentials (`run` keeps it from the child unless the manifest declares it). */
export function isStoreCredential(name: string): boolean {
  for (const info of Object.values(STORES) as StoreInfo[])
    for (const pattern of info.credentials)
      if (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern) return true;
  return false;
}
