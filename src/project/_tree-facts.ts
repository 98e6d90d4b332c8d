/**
 * The project-tree half of `check`'s facts: Dockerfiles, Compose files and `migrate`'s layer backups, found by walking
 * the project (dependency folders skipped). Backups are reduced to their key names; no value leaves this file.
 */
import { basename, dirname, join } from 'node:path';
import type { ComposeModel } from '../adopt/compose-model.ts';
import { parseDotenvEntries } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import type { Dirent } from 'node:fs';
import { readTextIfExists } from '../io/read.ts';
import { walkFiles } from '../io/walk.ts';
import { parseDockerfile } from '../rules/_dockerfile.ts';
import type { DockerfileFact, LayerBackupFact } from '../rules/types.ts';
import { findComposeFiles, readComposeFiles } from './compose.ts';
import { listDirEntries } from '../io/list.ts';

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.envplane', 'vendor', '.venv']);

/** `Dockerfile`, `Dockerfile.prod`, `api.Dockerfile` anywhere in the project except dependency folders. */
export function dockerfiles(root: string): DockerfileFact[] {
  return walkFiles(root, '.', { skip: SKIP_DIRS, maxDepth: 8 })
    .filter((path) => /^Dockerfile(\..+)?$|\.Dockerfile$/i.test(path.slice(path.lastIndexOf('/') + 1)))
    .flatMap((path) => {
      const text = readDockerfile(root, path);
      return text === undefined ? [] : [parseDockerfile(text, path)];
    });
}

/** A file named like a Dockerfile that is not UTF-8 text (an editor backup, a binary) is not one to judge. */
function readDockerfile(root: string, rel: string): string | undefined {
  try {
    return readTextIfExists(join(root, rel), rel);
  } catch (error) {
    if (error instanceof EnvplaneError) return undefined;
    throw error;
  }
}

/** Each Compose file on its own: `docker-compose.yml` and `docker-compose.prod.yml` are separate deployments. */
export function composeModels(root: string): ComposeModel[] {
  return findComposeFiles(root).map((file) => readComposeFiles(root, [file]));
}

/**
 * The backups `envplane migrate` leaves beside the layers it rewrites (`<layer>.bak`, then `.bak.2`, `.bak.3`…), with
 * the key names each assigns: they keep the old plaintext values until someone deletes them. Values are parsed and
 * dropped here. Regular files only (a link is not a backup migrate wrote); a file that no longer parses as an env
 * file is not one migrate wrote as it stands either, and is skipped rather than failing the whole `check`.
 */
export function layerBackups(root: string, layers: string[]): LayerBackupFact[] {
  const listings = new Map<string, Dirent[]>();
  const out: LayerBackupFact[] = [];
  for (const layer of layers) {
    const dir = dirname(layer);
    let entries = listings.get(dir);
    if (!entries) {
      entries = listDirEntries(join(root, dir));
      listings.set(dir, entries);
    }
    const base = basename(layer);
    for (const entry of entries) {
      if (!entry.isFile() || !isBackupName(entry.name, base)) continue;
      const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
      const keys = backupKeys(root, path);
      if (keys) out.push({ path, layer, keys });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

/** `<layer>.bak` or `<layer>.bak.<n>`: the names `backupPath` in adopt/migration.ts gives. */
function isBackupName(name: string, layerName: string): boolean {
  if (name === `${layerName}.bak`) return true;
  return name.startsWith(`${layerName}.bak.`) && /^\d+$/.test(name.slice(layerName.length + 5));
}

function backupKeys(root: string, path: string): string[] | undefined {
  try {
    const text = readTextIfExists(join(root, path), path, { noFollow: true });
    if (text === undefined) return undefined;
    return [...new Set(parseDotenvEntries(text, { lookup: {}, file: path }).map((e) => e.key))];
  } catch (error) {
    if (error instanceof EnvplaneError) return undefined;
    throw error;
  }
}
