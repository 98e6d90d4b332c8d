/**
 * The heart of least privilege: what one instance receives in one environment. Only keys the service declares are
 * looked at; a per-tenant key is looked up for the instance's own tenant only. Pure: layers arrive parsed.
 */
import type { DotenvEntry } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import type { Environment, Key, Manifest } from '../manifest/types.ts';
import { entriesInStack, type LayerSet, layersFor } from './layers.ts';
import { secretTarget, storeLocation } from './secrets.ts';
import type { Bundle, ConfigValue, Instance, SecretLocation } from './types.ts';

export type { LayerSet } from './layers.ts';

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
  /** Variables of the caller's environment the value was interpolated with. */
  shell?: string[];
}

/** Every assignment of a wanted key across the layers, in precedence order (duplicates inside a file included). */
function collectSettings(layers: LayerSet, paths: string[], wanted: Set<string>): Map<string, Setting[]> {
  const settings = new Map<string, Setting[]>();
  for (const [index, file] of paths.entries()) {
    const entries = entriesInStack(layers, paths, index);
    if (!entries) continue;
    // Look up the keys the service wants instead of scanning the file: a shared layer read by every instance would
    // otherwise make resolving all instances quadratic in the number of services.
    const byKey = indexByKey(entries);
    for (const key of wanted) {
      const found = byKey.get(key);
      if (!found) continue;
      const list = settings.get(key) ?? [];
      settings.set(key, list);
      for (const entry of found)
        list.push({
          file,
          line: entry.line,
          value: entry.value,
          ...(entry.fromLookup ? { shell: entry.fromLookup } : {}),
        });
    }
  }
  return settings;
}

/** Per parsed layer (parsed layers are never mutated, so the index stays valid). */
const indexes = new WeakMap<readonly DotenvEntry[], Map<string, DotenvEntry[]>>();

function indexByKey(entries: readonly DotenvEntry[]): Map<string, DotenvEntry[]> {
  let index = indexes.get(entries);
  if (index) return index;
  index = new Map();
  for (const entry of entries) {
    const list = index.get(entry.key);
    if (list) list.push(entry);
    else index.set(entry.key, [entry]);
  }
  indexes.set(entries, index);
  return index;
}

function configValue(manifest: Manifest, key: Key, found: Setting[]): ConfigValue {
  const plane = key.plane === 'public' ? 'public' : 'config';
  const winner = found[found.length - 1];
  if (winner) {
    // compose-go reads a NUL (a raw byte, or the escape `\0000`), but no environment variable can carry one: `run`
    // would fail inside spawn and a rendered file would hand it to a container that cannot start.
    if (winner.value.includes('\0'))
      throw new EnvplaneError('input', `${key.name} holds a NUL character, which no environment variable can carry`, {
        location: { file: winner.file, line: winner.line },
        hint: 'remove it from the value; binary data belongs in a secret file',
      });
    return {
      key: key.name,
      plane,
      value: winner.value,
      source: {
        kind: 'layer',
        file: winner.file,
        line: winner.line,
        ...(winner.shell ? { shell: winner.shell } : {}),
      },
      shadowed: found.slice(0, -1).map(({ file, line, value }) => ({ file, line, value })),
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
