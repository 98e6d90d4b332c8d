/**
 * `loadProject` for the start-up-critical paths (`run`, `env`, `explain`). Parsing envplane.yaml means loading the
 * YAML parser and the schema library, about a third of `run`'s own start-up; the normalized manifest is a pure
 * function of the manifest text, so it is cached per user (never in the project, where a commit could plant one)
 * with the manifest's text, its path and the envplane build, all compared on a hit. Layers are always read fresh, with
 * the same reader and the same located errors as `loadProject`.
 *
 * Any doubt — no cache, another key, an unreadable entry, no home directory — takes the full `loadProject`.
 */
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../manifest/types.ts';
import { readLayers } from './_layers.ts';
import { findProjectRoot, type LoadOptions, MANIFEST_FILE, type Project } from './_root.ts';

const FORMAT = 2;

/**
 * What a cache entry must match to be used. Compared field by field rather than hashed: loading `node:crypto` costs
 * more start-up time than comparing a few kilobytes of text.
 */
interface CacheKey {
  format: number;
  /** The running CLI file's size and mtime: a rebuilt envplane never reads an older build's entries. */
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
  if (key !== undefined) await remember(key, project.manifest);
  return project;
}

function cacheKey(root: string): CacheKey | undefined {
  if (process.env.ENVPLANE_NO_CACHE) return undefined;
  try {
    const cli = statSync(process.argv[1] ?? '');
    return {
      format: FORMAT,
      build: `${cli.size}:${cli.mtimeMs}`,
      root,
      text: readFileSync(join(root, MANIFEST_FILE), 'utf8'),
    };
  } catch {
    return undefined;
  }
}

/** One file per project folder, replaced when the key changes: the cache stays small. A name collision only misses. */
function cacheFile(root: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'envplane', 'manifests', `${fnv1a(root, 0x811c9dc5)}${fnv1a(root, 0x01000193)}.json`);
}

function fnv1a(text: string, seed: number): string {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

function recall(key: CacheKey): Manifest | undefined {
  const file = cacheFile(key.root);
  try {
    const stat = lstatSync(file);
    // Only a regular file of our own, not writable by others: anything else is ignored, not trusted.
    if (!stat.isFile() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) return undefined;
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheKey> & { manifest?: Manifest };
    const same =
      entry.format === key.format && entry.build === key.build && entry.root === key.root && entry.text === key.text;
    return same ? entry.manifest : undefined;
  } catch {
    return undefined;
  }
}

/** On a miss only: the atomic writer (and `node:crypto` with it) stays off the hit path. */
async function remember(key: CacheKey, manifest: Manifest): Promise<void> {
  try {
    const { writeFileAtomic } = await import('../io/atomic.ts');
    writeFileAtomic(cacheFile(key.root), JSON.stringify({ ...key, manifest }), { mode: 0o600, dirMode: 0o700 });
  } catch {
    // A read-only or missing home only costs speed.
  }
}
