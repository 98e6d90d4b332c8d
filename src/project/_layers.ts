/** Reading and parsing the layer files a manifest's instances read. */
import { join } from 'node:path';
import { parseDotenvEntries, type Lookup } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import { positionOf } from '../manifest/_pointer.ts';
import type { Manifest } from '../manifest/types.ts';
import { findEnvironment, findInstance, listInstances } from '../resolve/instances.ts';
import { allLayers, type LayerRef } from '../resolve/layers.ts';
import type { LoadOptions, Project } from './_root.ts';

export function readLayers(root: string, manifest: Manifest, options: LoadOptions): Project['layers'] {
  const lookup = options.lookup ?? (process.env as Record<string, string | undefined>);
  const layers: Project['layers'] = {};
  const only = options.environment === undefined ? undefined : [findEnvironment(manifest, options.environment)];
  const instances =
    only && options.instance
      ? [findInstance(manifest, options.instance.service, options.instance.tenant)]
      : listInstances(manifest);
  for (const ref of allLayers(manifest, instances, only)) {
    const entries = readLayer(root, ref, lookup);
    if (entries === undefined && options.requireLayers !== false) throw missingLayer(manifest, ref);
    layers[ref.path] = entries;
  }
  return layers;
}

function readLayer(root: string, ref: LayerRef, lookup: Lookup) {
  const text = readTextIfExists(join(root, ref.path), ref.path);
  return text === undefined ? undefined : parseDotenvEntries(text, { lookup, file: ref.path });
}

function missingLayer(manifest: Manifest, ref: LayerRef): EnvplaneError {
  const at = positionOf(manifest.positions, ref.from);
  return new EnvplaneError('input', `layer file ${ref.path} does not exist`, {
    location: { file: manifest.file, line: at.line, column: at.column },
    hint: `create ${ref.path} (it may be empty), or remove it from ${manifest.file}`,
  });
}
