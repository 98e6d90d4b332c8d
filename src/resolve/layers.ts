/** Which layer files an instance reads in an environment, lowest precedence first. */
import type { Environment, Manifest } from '../manifest/types.ts';
import type { Instance } from './types.ts';

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
