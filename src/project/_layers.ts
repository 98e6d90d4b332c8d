/**
 * Reading and parsing the layer files a manifest's instances read.
 *
 * Layers are read the way Compose v2 reads a service's `env_file` list. compose-go
 * (compose-spec/compose-go, `types/project.go`, `Project.WithServicesEnvironmentResolved` → `loadEnvFile` →
 * `loadMappingFile` → `dotenv.ParseWithFormat` in `dotenv/format.go`) parses every file of the list into ONE map,
 * `environment`, in list order, with the lookup function "`p.Environment` (the caller's environment and the project
 * `.env`) first, then the service's `environment:`". Inside the parser (`dotenv/parser.go`, `parseStatement` →
 * `extractVarValue` → `ExpandVariables` in `dotenv/godotenv.go`) a `${NAME}` tries that lookup first and then the
 * map being filled, which by then holds the earlier files' values and this file's earlier lines. A bare `KEY`
 * line (`inherited`) consults the lookup only. So for layer N:
 *
 *   1. the caller's environment (envplane has no project `.env` of Compose's and no service `environment:`);
 *   2. this file's earlier lines, then the earlier layers' values (the last assignment of each key wins);
 *   3. unset: "" (and `${X:?msg}` fails).
 *
 * (compose-go before v2 — `ResolveServicesEnvironment`, a `resolve` closure over the same map — consulted the earlier
 * files before the environment; Debian's docker-compose 1.29 does not interpolate across files at all.)
 */
import { join } from 'node:path';
import { type DotenvEntry, type Lookup, parseDotenvEntries } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import { positionOf } from '../manifest/_pointer.ts';
import type { Manifest } from '../manifest/types.ts';
import { findEnvironment, findInstance, listInstances } from '../resolve/instances.ts';
import { allLayers, type LayerRef, layersFor, STACKED, stackKey } from '../resolve/layers.ts';
import type { LoadOptions, Project } from './_root.ts';

export function readLayers(root: string, manifest: Manifest, options: LoadOptions): Project['layers'] {
  const lookup = options.lookup ?? (process.env as Record<string, string | undefined>);
  const only = options.environment === undefined ? undefined : [findEnvironment(manifest, options.environment)];
  const instances =
    only && options.instance
      ? [findInstance(manifest, options.instance.service, options.instance.tenant)]
      : listInstances(manifest);
  // A secret kept in a layer (the second seed's layout): its line's text is never quoted in an error.
  const quiet = (key: string) => {
    const plane = manifest.keys[key]?.plane;
    return plane === 'secret' || plane === 'build';
  };
  const texts = new Map<string, string | undefined>();
  for (const ref of allLayers(manifest, instances, only)) {
    const text = readTextIfExists(join(root, ref.path), ref.path);
    if (text === undefined && options.requireLayers !== false) throw missingLayer(manifest, ref);
    texts.set(ref.path, text);
  }
  const layers: Record<string, DotenvEntry[] | undefined> = {};
  for (const path of texts.keys()) layers[path] = undefined;
  const stacked = new Map<string, DotenvEntry[]>();
  const parsed = new Map<string, DotenvEntry[]>();
  for (const environment of only ?? manifest.environments)
    for (const instance of instances) {
      const stack = layersFor(manifest, environment, instance).map((l) => l.path);
      // The values the earlier layers of this stack set, the last assignment of each key winning.
      const earlier = new Map<string, string>();
      stack.forEach((path, index) => {
        const text = texts.get(path);
        if (text === undefined) return;
        const before = stack.slice(0, index);
        const key = stackKey(path, before);
        let entries = parsed.get(key);
        if (!entries) {
          // A file without `$` reads the same after any layers: parse it once.
          const first = layers[path];
          entries =
            first !== undefined && !text.includes('$')
              ? first
              : parseLayer(text, path, lookup, index === 0 ? new Map() : earlier, quiet);
          parsed.set(key, entries);
        }
        if (layers[path] === undefined) layers[path] = entries;
        else if (entries !== layers[path] && !sameEntries(entries, layers[path]!)) stacked.set(key, entries);
        for (const e of entries) earlier.set(e.key, e.value);
      });
    }
  if (stacked.size > 0) Object.defineProperty(layers, STACKED, { value: stacked, enumerable: false });
  return layers;
}

function parseLayer(
  text: string,
  path: string,
  lookup: Lookup,
  earlier: Map<string, string>,
  quiet: (key: string) => boolean,
): DotenvEntry[] {
  const snapshot = new Map(earlier);
  return parseDotenvEntries(text, {
    lookup,
    file: path,
    trackLookups: true,
    quiet,
    ...(snapshot.size > 0 ? { earlier: (name: string) => snapshot.get(name) } : {}),
  });
}

function sameEntries(a: readonly DotenvEntry[], b: readonly DotenvEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.key === b[i]!.key && e.value === b[i]!.value);
}

function missingLayer(manifest: Manifest, ref: LayerRef): EnvplaneError {
  const at = positionOf(manifest.positions, ref.from);
  return new EnvplaneError('input', `layer file ${ref.path} does not exist`, {
    location: { file: manifest.file, line: at.line, column: at.column },
    hint: `create ${ref.path} (it may be empty), or remove it from ${manifest.file}`,
  });
}
