/**
 * The heart of least privilege: what one instance receives in one environment. Only keys the service declares are
 * looked at; a per-tenant key is looked up for the instance's own tenant only. Pure: layers arrive parsed.
 */
import type { DotenvEntry } from '../dotenv/index.ts';
import type { Environment, Key, Manifest } from '../manifest/types.ts';
import { layersFor } from './layers.ts';
import { secretTarget, storeLocation } from './secrets.ts';
import type { Bundle, ConfigValue, Instance, SecretLocation } from './types.ts';

/** Parsed layer files by path; a path that is absent was not found on disk. */
export type LayerSet = Readonly<Record<string, readonly DotenvEntry[] | undefined>>;

export function resolveBundle(
  manifest: Manifest,
  layers: LayerSet,
  environment: Environment,
  instance: Instance,
): Bundle {
  const service = manifest.services[instance.service];
  if (!service) throw new Error(`resolveBundle: no service ${instance.service}`);
  const layerPaths = layersFor(manifest, environment, instance).map((l) => l.path);
  const settings = collectSettings(layers, layerPaths, new Set(service.uses));

  const bundle: Bundle = {
    environment: environment.name,
    instance,
    config: [],
    secrets: [],
    build: [],
    layers: layerPaths,
  };
  for (const name of service.uses) {
    const key = manifest.keys[name]!;
    const found = settings.get(name) ?? [];
    if (key.plane === 'secret') {
      const last = found[found.length - 1];
      const location: SecretLocation = last
        ? { kind: 'layer', file: last.file, line: last.line }
        : storeLocation(environment, key, instance.tenant);
      bundle.secrets.push({
        name,
        ...(key.perTenant && instance.tenant !== undefined ? { tenant: instance.tenant } : {}),
        location,
        target: secretTarget(name),
        fileEnv: key.fileEnv!,
        required: key.required,
      });
    } else if (key.plane === 'config' || key.plane === 'public') {
      bundle.config.push(configValue(manifest, key, found));
    }
  }
  for (const name of service.build) {
    const key = manifest.keys[name]!;
    bundle.build.push({ id: name, location: storeLocation(environment, key), required: key.required });
  }
  return bundle;
}

interface Setting {
  file: string;
  line: number;
  value: string;
}

/** Every assignment of a wanted key across the layers, in precedence order (duplicates inside a file included). */
function collectSettings(layers: LayerSet, paths: string[], wanted: Set<string>): Map<string, Setting[]> {
  const settings = new Map<string, Setting[]>();
  for (const file of paths) {
    for (const entry of layers[file] ?? []) {
      if (!wanted.has(entry.key)) continue;
      const list = settings.get(entry.key) ?? [];
      settings.set(entry.key, list);
      list.push({ file, line: entry.line, value: entry.value });
    }
  }
  return settings;
}

function configValue(manifest: Manifest, key: Key, found: Setting[]): ConfigValue {
  const plane = key.plane === 'public' ? 'public' : 'config';
  const winner = found[found.length - 1];
  if (winner) {
    return {
      key: key.name,
      plane,
      value: winner.value,
      source: { kind: 'layer', file: winner.file, line: winner.line },
      shadowed: found.slice(0, -1),
    };
  }
  if (key.default !== undefined) {
    const position = manifest.positions[`/keys/${key.name}/default`];
    return {
      key: key.name,
      plane,
      value: key.default,
      source: { kind: 'default', file: manifest.file, ...(position ? { position } : {}) },
      shadowed: [],
    };
  }
  return { key: key.name, plane, source: { kind: 'unset' }, shadowed: [] };
}
