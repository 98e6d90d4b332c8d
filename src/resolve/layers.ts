/** Which layer files an instance reads in an environment, lowest precedence first. */
import type { DotenvEntry } from '../dotenv/types.ts';
import type { Environment, Manifest } from '../manifest/types.ts';
import type { Instance } from './types.ts';

/**
 * Where a layer's parse depends on the layers before it. Compose interpolates a later `env_file` with the values of
 * the earlier ones (see `src/project/_layers.ts`), so `config/dev.env` read after `config/common.env` can differ from
 * the same file read after `config/prod.env`. A `LayerSet` holds each file's parse by path (its parse in the first
 * stack that reads it) and, under this symbol, the parses that differ in another stack, by `stackKey`.
 */
export const STACKED: unique symbol = Symbol('envplane.stacked-layers');

/** Parsed layer files by path; a path that is absent was not found on disk. */
export type LayerSet = Readonly<Record<string, readonly DotenvEntry[] | undefined>> & {
  readonly [STACKED]?: ReadonlyMap<string, readonly DotenvEntry[]>;
};

/** The identity of "`path` read after `before`" (the files before it in one stack, in order). */
export function stackKey(path: string, before: readonly string[]): string {
  return JSON.stringify([...before, path]);
}

/** The entries of `stack[index]` as that stack reads it. */
export function entriesInStack(
  layers: LayerSet,
  stack: readonly string[],
  index: number,
): readonly DotenvEntry[] | undefined {
  const path = stack[index]!;
  const entries = layers[path];
  if (entries === undefined || index === 0) return entries;
  return layers[STACKED]?.get(stackKey(path, stack.slice(0, index))) ?? entries;
}

export interface LayerRef {
  /** Path relative to the project root, placeholders substituted. */
  path: string;
  /** Manifest pointer keys of the entry that names it, to locate a "missing file" error. */
  from: string[];
}

export function layersFor(manifest: Manifest, environment: Environment, instance: Instance): LayerRef[] {
  const service = manifest.services[instance.service];
  const refs: LayerRef[] = environment.config.map((path, i) => ({
    path,
    from: ['environments', environment.name, 'config', String(i)],
  }));
  service?.config.forEach((template, i) => {
    const path = template.replaceAll('{env}', environment.name).replaceAll('{tenant}', instance.tenant ?? '');
    refs.push({ path, from: ['services', instance.service, 'config', String(i)] });
  });
  // A file listed twice would be applied twice; the later position wins in Compose too, so keep the later one.
  return refs.filter((ref, i) => refs.findIndex((r, j) => j > i && r.path === ref.path) === -1);
}

/** Every layer any instance reads in any environment, each once: what a loader must read. */
export function allLayers(manifest: Manifest, instances: Instance[], environments = manifest.environments): LayerRef[] {
  const seen = new Map<string, LayerRef>();
  for (const environment of environments)
    for (const instance of instances)
      for (const ref of layersFor(manifest, environment, instance)) if (!seen.has(ref.path)) seen.set(ref.path, ref);
  return [...seen.values()];
}
