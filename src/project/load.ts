/**
 * A project on disk → plain data: the manifest and every layer file its instances read, parsed. Everything after
 * this is pure. (`load-cached.ts` is the same for the CLI's hot paths, without loading the YAML parser on a hit.)
 */
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import { parseManifest } from '../manifest/parse.ts';
import { readLayers } from './_layers.ts';
import { findProjectRoot, type LoadOptions, MANIFEST_FILE, type Project } from './_root.ts';

export { findProjectRoot, MANIFEST_FILE, type LoadOptions, type Project } from './_root.ts';

export function loadProject(options: LoadOptions = {}): Project {
  const root = findProjectRoot(options.dir ?? process.cwd());
  const text = readTextIfExists(join(root, MANIFEST_FILE), MANIFEST_FILE);
  if (text === undefined)
    throw new EnvplaneError('usage', `cannot read ${MANIFEST_FILE}`, { location: { file: MANIFEST_FILE } });
  const manifest = parseManifest(text, MANIFEST_FILE);
  return { root, manifest, layers: readLayers(root, manifest, options) };
}
