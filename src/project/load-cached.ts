/**
 * `loadProject` for the start-up-critical path of `envplane run`. Parsing envplane.yaml means loading the YAML
 * parser and the schema library, about a third of run's own start-up; the normalized manifest is a pure function
 * of the manifest text, so it is cached per user (never in the project, where a commit could plant one) under a key
 * made of the manifest's bytes, its path and the envplane build. Layers are always read fresh.
 *
 * Any doubt — no cache, another key, a missing layer, no home directory — takes the full `loadProject`, which is
 * also the one that reports every error with its location.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type DotenvEntry, parseDotenvEntries } from '../dotenv/index.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { readTextIfExists } from '../io/read.ts';
import type { Manifest } from '../manifest/types.ts';
import { findEnvironment, listInstances } from '../resolve/instances.ts';
import { allLayers } from '../resolve/layers.ts';
import type { LoadOptions, Project } from './load.ts';

const MANIFEST_FILE = 'envplane.yaml';
const FORMAT = 1;

export async function loadProjectCached(options: LoadOptions & { environment: string }): Promise<Project> {
  const fast = tryCached(options);
  if (fast) return fast;
  const { loadProject } = await import('./load.ts');
  const project = loadProject(options);
  remember(project);
  return project;
}

function tryCached(options: LoadOptions & { environment: string }): Project | undefined {
  const root = nearestRoot(options.dir ?? process.cwd());
  const key = root && cacheKey(root);
  const manifest = root && key ? recall(root, key) : undefined;
  if (!root || !manifest) return undefined;
  const lookup = options.lookup ?? (process.env as Record<string, string | undefined>);
  const layers: Record<string, DotenvEntry[] | undefined> = {};
  const environment = findEnvironment(manifest, options.environment);
  for (const ref of allLayers(manifest, listInstances(manifest), [environment])) {
    const text = readTextIfExists(join(root, ref.path), ref.path);
    if (text === undefined) return undefined; // the full loader reports it, located in the manifest
    layers[ref.path] = parseDotenvEntries(text, { lookup, file: ref.path });
  }
  return { root, manifest, layers };
}

function nearestRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    try {
      if (statSync(join(dir, MANIFEST_FILE)).isFile()) return dir;
    } catch {
      // not here
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** sha-256 of the format, the envplane build (the running CLI file's size and mtime), the path and the bytes. */
function cacheKey(root: string): string | undefined {
  if (process.env.ENVPLANE_NO_CACHE) return undefined;
  try {
    const cli = statSync(process.argv[1] ?? '');
    const bytes = readFileSync(join(root, MANIFEST_FILE));
    return createHash('sha256').update(`${FORMAT}\0${cli.size}\0${cli.mtimeMs}\0${root}\0`).update(bytes).digest('hex');
  } catch {
    return undefined;
  }
}

/** One file per project folder (named by a hash of its path), replaced when the key changes: the cache stays small. */
function cacheFile(root: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const name = createHash('sha256').update(root).digest('hex').slice(0, 32);
  return join(base, 'envplane', 'manifests', `${name}.json`);
}

function recall(root: string, key: string): Manifest | undefined {
  const file = cacheFile(root);
  try {
    const stat = lstatSync(file);
    // Only a regular file of our own, not writable by others: anything else is ignored, not trusted.
    if (!stat.isFile() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) return undefined;
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; manifest?: Manifest };
    return entry.key === key ? entry.manifest : undefined;
  } catch {
    return undefined;
  }
}

function remember(project: Project): void {
  const key = cacheKey(project.root);
  if (!key) return;
  try {
    writeFileAtomic(cacheFile(project.root), JSON.stringify({ key, manifest: project.manifest }), {
      mode: 0o600,
      dirMode: 0o700,
    });
  } catch {
    // A read-only or missing home only costs speed.
  }
}
