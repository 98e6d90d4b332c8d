/**
 * The committed templates of layer files, keys only: `<layer>.example` beside a layer, or for a service layer
 * written per tenant (`.env.etl.{tenant}`) one template the tenants share (`.env.etl.example`) when a tenant's file
 * has none of its own.
 */
import { join } from 'node:path';
import { parseDotenvEntries } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import type { Manifest } from '../manifest/types.ts';
import type { BundleFact, LayerTemplateFact } from '../rules/types.ts';

const EXAMPLE = '.example';

/** `.env.etl.{tenant}` → `.env.etl`: the placeholder and one separator before it (or after it, at the start). */
function withoutTenant(template: string): string | undefined {
  if (!template.includes('{tenant}')) return undefined;
  const path = template.startsWith('{tenant}')
    ? template.replace(/^\{tenant\}[._-]?/, '').replace(/[._-]?\{tenant\}/g, '')
    : template.replace(/[._-]?\{tenant\}/g, '');
  return path === '' || path.endsWith('/') ? undefined : path;
}

export function layerTemplates(root: string, manifest: Manifest, bundles: BundleFact[]): LayerTemplateFact[] {
  const layers = new Set(bundles.flatMap((b) => b.layers));
  const byTemplate = new Map<string, Set<string>>();
  const keys = new Map<string, LayerTemplateFact['keys'] | undefined>();
  const read = (path: string) => {
    if (!keys.has(path)) keys.set(path, templateKeys(root, path));
    return keys.get(path);
  };
  const add = (template: string, layer: string) => {
    const set = byTemplate.get(template) ?? new Set<string>();
    byTemplate.set(template, set);
    set.add(layer);
  };
  for (const layer of layers) {
    if (read(`${layer}${EXAMPLE}`) !== undefined) add(`${layer}${EXAMPLE}`, layer);
  }
  // Shared templates of per-tenant service layers, for the tenants' files without one of their own.
  for (const b of bundles) {
    if (b.instance.tenant === undefined) continue;
    const service = manifest.services[b.instance.service];
    for (const pattern of service?.config ?? []) {
      const shared = withoutTenant(pattern.replaceAll('{env}', b.environment));
      if (!shared || layers.has(shared)) continue;
      const layer = pattern.replaceAll('{env}', b.environment).replaceAll('{tenant}', b.instance.tenant);
      if (!layers.has(layer) || read(`${layer}${EXAMPLE}`) !== undefined) continue;
      if (read(`${shared}${EXAMPLE}`) !== undefined) add(`${shared}${EXAMPLE}`, layer);
    }
  }
  return [...byTemplate.entries()]
    .map(([path, of]) => ({ path, layers: [...of].sort(), keys: read(path)! }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** A template's keys and lines; undefined when it does not exist or does not parse (nothing to compare then). */
function templateKeys(root: string, path: string): LayerTemplateFact['keys'] | undefined {
  try {
    const text = readTextIfExists(join(root, path), path, { noFollow: true });
    if (text === undefined) return undefined;
    return parseDotenvEntries(text, { lookup: {}, file: path }).map((e) => ({ key: e.key, line: e.line }));
  } catch (error) {
    if (error instanceof EnvplaneError) return undefined;
    throw error;
  }
}
