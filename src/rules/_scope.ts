/** Which layer files are in scope, and which of them are shared by a whole environment rather than one service. */
import type { CheckInput } from './types.ts';

/** Layer files read by the bundles in scope, in first-seen order. */
export function layersInScope(input: CheckInput): string[] {
  const seen = new Set<string>();
  for (const b of input.bundles) for (const l of b.layers) seen.add(l);
  return [...seen];
}

/** Layer files an environment gives every service (`.env.shared`, `config/common.env`). */
export function sharedLayers(input: CheckInput): Set<string> {
  return new Set(input.environments.flatMap((e) => e.config));
}

/** Two rules ask for the same map; an input is never changed once gathered. */
const readersCache = new WeakMap<CheckInput, Map<string, Set<string>>>();

/** For each layer file: the keys the instances that read it declare (what the file may legitimately hold). */
export function keysUsedByReaders(input: CheckInput): Map<string, Set<string>> {
  const cached = readersCache.get(input);
  if (cached) return cached;
  const used = new Map<string, Set<string>>();
  readersCache.set(input, used);
  const seen = new Set<string>();
  for (const b of input.bundles) {
    const service = input.manifest.services[b.instance.service];
    if (!service) continue;
    for (const layer of b.layers) {
      const pair = `${layer}\0${service.name}`;
      if (seen.has(pair)) continue;
      seen.add(pair);
      let set = used.get(layer);
      if (!set) {
        set = new Set();
        used.set(layer, set);
      }
      for (const k of service.uses) set.add(k);
    }
  }
  return used;
}
