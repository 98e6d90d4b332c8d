/**
 * A project on disk → plain data: the manifest and every layer file its instances read, parsed. The only reader;
 * everything after this is pure.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDotenvEntries, type DotenvEntry, type Lookup } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import { positionOf } from '../manifest/_yaml.ts';
import { parseManifest } from '../manifest/parse.ts';
import type { Manifest } from '../manifest/types.ts';
import { allLayers, type LayerRef } from '../resolve/layers.ts';
import { findEnvironment, listInstances } from '../resolve/instances.ts';

export const MANIFEST_FILE = 'envplane.yaml';

export interface Project {
  /** Absolute path of the folder that holds envplane.yaml. */
  root: string;
  manifest: Manifest;
  /** Parsed layer files by project-relative path; undefined when the file does not exist. */
  layers: Record<string, DotenvEntry[] | undefined>;
}

export interface LoadOptions {
  /** Where to start looking for envplane.yaml (default: the current directory, then its parents). */
  dir?: string;
  /** The environment Compose would interpolate `${VAR}` from (default: process.env). */
  lookup?: Lookup;
  /** Read only this environment's layers (name or alias); default: every environment's. */
  environment?: string;
  /** Fail on a missing layer file (default true). `check` passes false and reports it as a problem. */
  requireLayers?: boolean;
}

export function findProjectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, MANIFEST_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new EnvplaneError('usage', `no ${MANIFEST_FILE} in ${resolve(start)} or any parent folder`, {
        hint: 'run `envplane init` to create one, or pass --dir <project folder>',
      });
    dir = parent;
  }
}

export function loadProject(options: LoadOptions = {}): Project {
  const root = findProjectRoot(options.dir ?? process.cwd());
  const text = readTextIfExists(join(root, MANIFEST_FILE), MANIFEST_FILE);
  if (text === undefined)
    throw new EnvplaneError('usage', `cannot read ${MANIFEST_FILE}`, { location: { file: MANIFEST_FILE } });
  const manifest = parseManifest(text, MANIFEST_FILE);
  const lookup = options.lookup ?? (process.env as Record<string, string | undefined>);
  const layers: Project['layers'] = {};
  const only = options.environment === undefined ? undefined : [findEnvironment(manifest, options.environment)];
  for (const ref of allLayers(manifest, listInstances(manifest), only)) {
    const entries = readLayer(root, ref, lookup);
    if (entries === undefined && options.requireLayers !== false) throw missingLayer(manifest, ref);
    layers[ref.path] = entries;
  }
  return { root, manifest, layers };
}

function readLayer(root: string, ref: LayerRef, lookup: Lookup): DotenvEntry[] | undefined {
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
