/**
 * `loadProject` for the start-up-critical paths (`run`, `env`, `explain`). Parsing envplane.yaml means loading the
 * YAML parser and the schema library, about a third of `run`'s own start-up; the normalized manifest is a pure
 * function of the manifest text, so it is cached per user (never in the project, where a commit could plant one)
 * with the manifest's text, its path and the envplane build, all compared on a hit. Layers are always read fresh, with
 * the same reader and the same located errors as `loadProject`.
 *
 * Any doubt — no cache, another key, an unreadable entry, no home directory — takes the full `loadProject`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD } from '../build.ts';
import { cacheName, readUserCache, userCacheDir, writeUserCache } from '../io/user-cache.ts';
import type { Manifest } from '../manifest/types.ts';
import { readLayers } from './_layers.ts';
import { findProjectRoot, type LoadOptions, MANIFEST_FILE, type Project } from './_root.ts';

const FORMAT = 3;

/**
 * What a cache entry must match to be used. Compared field by field rather than hashed: loading `node:crypto` costs
 * more start-up time than comparing a few kilobytes of text.
 */
interface CacheKey {
  format: number;
  /** The envplane build (src/build.ts): a rebuilt or upgraded envplane never reads an older build's entries. */
  build: string;
  root: string;
  text: string;
}

export async function loadProjectCached(options: LoadOptions & { environment: string }): Promise<Project> {
  const root = findProjectRoot(options.dir ?? process.cwd());
  const key = cacheKey(root);
  const manifest = key === undefined ? undefined : recall(key);
  if (manifest) return { root, manifest, layers: readLayers(root, manifest, options) };
  const { loadProject } = await import('./load.ts');
  const project = loadProject(options);
  if (key !== undefined) remember(key, project.manifest);
  return project;
}

function cacheKey(root: string): CacheKey | undefined {
  if (BUILD === undefined || userCacheDir('manifests') === undefined) return undefined;
  try {
    return { format: FORMAT, build: BUILD, root, text: readFileSync(join(root, MANIFEST_FILE), 'utf8') };
  } catch {
    return undefined;
  }
}

/** One file per project folder, replaced when the key changes: the cache stays small. A name collision only misses. */
function cacheFile(root: string): string {
  return join(userCacheDir('manifests') ?? '', `${cacheName(root)}.json`);
}

function recall(key: CacheKey): Manifest | undefined {
  const bytes = readUserCache(cacheFile(key.root));
  if (bytes === undefined) return undefined;
  try {
    const entry = JSON.parse(bytes.toString('utf8')) as Partial<CacheKey> & { manifest?: Manifest };
    const same =
      entry.format === key.format && entry.build === key.build && entry.root === key.root && entry.text === key.text;
    return same ? entry.manifest : undefined;
  } catch {
    return undefined;
  }
}

/** On a miss only. A read-only or missing home only costs speed. */
function remember(key: CacheKey, manifest: Manifest): void {
  writeUserCache(cacheFile(key.root), JSON.stringify({ ...key, manifest }));
}
