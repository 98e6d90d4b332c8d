/**
 * `loadProject` for the start-up-critical paths (`run`, `env`, `explain`). Parsing envplane.yaml means loading the
 * YAML parser and the schema library, about a third of `run`'s own start-up; the normalized manifest is a pure
 * function of the manifest text, so it is cached per user (never in the project, where a commit could plant one)
 * under a key made of the manifest's bytes, its path and the envplane build. Layers are always read fresh, with
 * the same reader and the same located errors as `loadProject`.
 *
 * Any doubt — no cache, another key, an unreadable entry, no home directory — takes the full `loadProject`.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import type { Manifest } from '../manifest/types.ts';
import { readLayers } from './_layers.ts';
import { findProjectRoot, type LoadOptions, MANIFEST_FILE, type Project } from './_root.ts';

const FORMAT = 1;

export async function loadProjectCached(options: LoadOptions & { environment: string }): Promise<Project> {
  const root = findProjectRoot(options.dir ?? process.cwd());
  const key = cacheKey(root);
  const manifest = key === undefined ? undefined : recall(root, key);
  if (manifest) return { root, manifest, layers: readLayers(root, manifest, options) };
  const { loadProject } = await import('./load.ts');
  const project = loadProject(options);
  if (key !== undefined) remember(project, key);
  return project;
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

function remember(project: Project, key: string): void {
  try {
    writeFileAtomic(cacheFile(project.root), JSON.stringify({ key, manifest: project.manifest }), {
      mode: 0o600,
      dirMode: 0o700,
    });
  } catch {
    // A read-only or missing home only costs speed.
  }
}
