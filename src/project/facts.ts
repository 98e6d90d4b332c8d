/**
 * Everything `check` needs, gathered from disk, git and the secret store into plain data (`CheckInput`). Secret
 * values are read here and reduced on the spot to lengths, SHA-256 digests and booleans (placeholder? equal to the
 * .example?): no value leaves this file.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ComposeModel } from '../adopt/compose-model.ts';
import { parseDotenvEntries } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import { ignoredPaths, isGitRepo, trackedFiles } from '../io/git.ts';
import { readTextIfExists } from '../io/read.ts';
import type { Environment } from '../manifest/types.ts';
import { resolveBundle } from '../resolve/bundle.ts';
import { findEnvironment, findService, listInstances } from '../resolve/instances.ts';
import { storeLocation } from '../resolve/secrets.ts';
import type { Bundle, SecretLocation } from '../resolve/types.ts';
import { locationId } from '../rules/_common.ts';
import { parseDockerfile } from '../rules/_dockerfile.ts';
import { estimatedBits, isPlaceholder, looksLikeSecretValue } from '../rules/_value-shape.ts';
import type {
  BundleFact,
  CheckInput,
  DockerfileFact,
  LayerBackupFact,
  LayerFacts,
  SecretFact,
} from '../rules/types.ts';
import { readSecretValue } from '../stores/read.ts';
import { readRotationState, secretAgeDays } from '../stores/state.ts';
import { findComposeFiles, readComposeFiles } from './compose.ts';
import { loadProject, type Project } from './load.ts';

export interface FactOptions {
  dir?: string;
  /** Limit to one environment (name or alias). */
  environment?: string;
  /** Limit to one service (all its tenants). */
  service?: string;
  /** "Now", for secret ages (tests pass a fixed time). */
  now?: Date;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export function gatherFacts(options: FactOptions = {}): { root: string; input: CheckInput } {
  const project = loadProject({
    ...(options.dir ? { dir: options.dir } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    requireLayers: false,
  });
  const { manifest, root } = project;
  const environments = options.environment ? [findEnvironment(manifest, options.environment)] : manifest.environments;
  const instances = listInstances(manifest).filter(
    (i) => options.service === undefined || i.service === findService(manifest, options.service).name,
  );
  const bundles = environments.flatMap((e) => instances.map((i) => resolveBundle(manifest, project.layers, e, i)));
  const input: CheckInput = {
    manifest,
    environments,
    instances,
    bundles: bundles.map(bundleFact),
    layers: layerFacts(project),
    secrets: secretFacts(project, bundles, options.now ?? new Date()),
    secretDirs: secretDirs(root, environments, bundles),
    templates: templates(root, environments),
    dockerfiles: dockerfiles(root),
    compose: composeModels(root),
    layerBackups: layerBackups(root, Object.keys(project.layers)),
  };
  return { root, input };
}

function bundleFact(b: Bundle): BundleFact {
  return {
    environment: b.environment,
    instance: b.instance,
    layers: b.layers,
    config: b.config.map((c) => ({ key: c.key, plane: c.plane, set: (c.value ?? '') !== '', source: c.source })),
    secrets: b.secrets,
    build: b.build,
  };
}

function layerFacts(project: Project): LayerFacts {
  const out: Record<string, LayerFacts[string]> = {};
  for (const [file, entries] of Object.entries(project.layers))
    out[file] = entries?.map((e) => ({
      key: e.key,
      line: e.line,
      column: e.column,
      length: e.value.length,
      digest: sha256(e.value),
      looksSecret: looksLikeSecretValue(e.value),
      placeholder: isPlaceholder(e.value, project.manifest.project, e.key),
    }));
  return out;
}

/** One fact per secret location the bundles reference (runtime and build secrets). */
function secretFacts(project: Project, bundles: Bundle[], now: Date): Record<string, SecretFact> {
  const { root } = project;
  const state = readRotationState(root);
  const refs = bundles.flatMap((b) => [
    ...b.secrets.map((s) => ({ name: s.name, tenant: s.tenant, location: s.location, environment: b.environment })),
    ...b.build.map((s) => ({ name: s.id, tenant: undefined, location: s.location, environment: b.environment })),
  ]);
  const facts: Record<string, SecretFact> = {};
  const templates = templateReader(root);
  for (const ref of refs) {
    const id = locationId(ref.location);
    if (facts[id]) continue;
    const read =
      ref.location.kind === 'file'
        ? readStoreFile(root, ref.location.path)
        : { value: readSecretValue(root, ref.location, project.layers) };
    const stat = read.stat;
    const fact = describeSecret(project, ref.location, ref.name, read, templates, sharedTemplate(project, ref));
    const age =
      secretAgeDays(state, ref.environment, ref.name, ref.tenant, now) ??
      (stat ? (now.getTime() - stat.mtimeMs) / 86_400_000 : undefined);
    if (age !== undefined) fact.ageDays = age;
    facts[id] = fact;
  }
  // Secret files, and env files that hold secrets (the second seed's layout): both must stay out of git.
  const paths = new Map<string, string>();
  for (const r of refs) {
    if (r.location.kind === 'file') paths.set(locationId(r.location), r.location.path);
    else if (r.location.kind === 'layer') paths.set(locationId(r.location), r.location.file);
  }
  addGitFacts(root, facts, paths);
  return facts;
}

/** A per-tenant secret may share one template for all tenants: `secrets/jira_token.txt.example`. */
function sharedTemplate(
  project: Project,
  ref: { name: string; tenant: string | undefined; environment: string },
): string | undefined {
  const environment = project.manifest.environments.find((e) => e.name === ref.environment);
  const key = project.manifest.keys[ref.name];
  if (ref.tenant === undefined || !environment || !key) return undefined;
  const location = storeLocation(environment, key);
  return location.kind === 'file' ? `${location.path}.example` : undefined;
}

interface StoreRead {
  /** Files store: the file's status, when it exists. */
  stat?: Stats;
  value?: string;
}

/**
 * A files-store value by the rules of `readSecretValue` (no symbolic links, strict UTF-8, one trailing newline
 * dropped, empty means missing) in one open, fstat and read: `check` reads every secret file of every environment.
 * Anything unusual is handed to `readSecretValue`, which raises the located error.
 */
function readStoreFile(root: string, path: string): StoreRead {
  let fd: number;
  try {
    fd = openSync(join(root, path), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    return { value: readSecretValue(root, { kind: 'file', path }) };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { stat, value: readSecretValue(root, { kind: 'file', path }) };
    const bytes = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    let text: string;
    try {
      text = strictUtf8.decode(bytes.subarray(0, filled));
    } catch {
      return { stat, value: readSecretValue(root, { kind: 'file', path }) };
    }
    const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
    return value === '' ? { stat } : { stat, value };
  } finally {
    closeSync(fd);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `.example` templates, each looked up and read once (tenants of a per-tenant secret share one). */
function templateReader(root: string): (path: string) => { exists: boolean; value?: string } {
  const cache = new Map<string, { exists: boolean; value?: string }>();
  return (path) => {
    let entry = cache.get(path);
    if (!entry) {
      // Most per-tenant files have no template of their own: test existence without a thrown ENOENT first.
      const found = exists(join(root, path));
      const value = found ? readSecretValue(root, { kind: 'file', path }) : undefined;
      entry = value !== undefined ? { exists: true, value } : { exists: found };
      cache.set(path, entry);
    }
    return entry;
  };
}

function describeSecret(
  project: Project,
  location: SecretLocation,
  name: string,
  { stat, value }: StoreRead,
  templates: ReturnType<typeof templateReader>,
  sharedTemplate?: string,
): SecretFact {
  const { manifest } = project;
  const fact: SecretFact = {
    exists: location.kind === 'file' ? stat !== undefined : value !== undefined,
    length: value?.length ?? 0,
    placeholder: value !== undefined && isPlaceholder(value, manifest.project, name),
    equalsExample: false,
    estimatedBits: value === undefined ? 0 : estimatedBits(value),
  };
  if (value !== undefined) fact.digest = sha256(value);
  if (location.kind === 'file') {
    if (stat) fact.mode = stat.mode & 0o777;
    const own = templates(`${location.path}.example`);
    const shared = sharedTemplate === undefined ? undefined : templates(sharedTemplate);
    fact.hasExample = own.exists || shared?.exists === true;
    const example = own.value ?? shared?.value;
    fact.equalsExample = value !== undefined && example !== undefined && example === value;
  }
  return fact;
}

/** `paths`: location id → the file that holds the value. */
function addGitFacts(root: string, facts: Record<string, SecretFact>, paths: Map<string, string>): void {
  if (paths.size === 0 || !isGitRepo(root)) return;
  const tracked = new Set(trackedFiles(root));
  const ignored = ignoredPaths(root, [...new Set(paths.values())]);
  for (const [id, file] of paths) {
    const fact = facts[id];
    if (!fact) continue;
    fact.tracked = tracked.has(file);
    fact.ignored = ignored.has(file);
  }
}

function exists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** Store directories and the folders secret files sit in (tenant subfolders), where they exist. */
function secretDirs(root: string, environments: Environment[], bundles: Bundle[]): { path: string; mode: number }[] {
  const dirs = new Set<string>();
  for (const e of environments) if (e.secrets.kind === 'files') dirs.add(e.secrets.dir);
  for (const b of bundles)
    for (const l of [...b.secrets.map((s) => s.location), ...b.build.map((s) => s.location)])
      if (l.kind === 'file') dirs.add(dirname(l.path));
  return [...dirs].flatMap((path) => {
    try {
      const st = lstatSync(join(root, path));
      return st.isDirectory() && path !== '.' ? [{ path, mode: st.mode & 0o777 }] : [];
    } catch {
      return [];
    }
  });
}

/** `*.example` files under every files-store directory (two levels: the store and its tenant folders). */
function templates(root: string, environments: Environment[]): string[] {
  const found = new Set<string>();
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = dir === '.' ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory() && depth > 0) walk(rel, depth - 1);
      else if (e.isFile() && e.name.endsWith('.example')) found.add(rel);
    }
  };
  for (const e of environments) if (e.secrets.kind === 'files' && e.secrets.dir !== '.') walk(e.secrets.dir, 1);
  return [...found].sort();
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.envplane', 'vendor', '.venv']);

/** `Dockerfile`, `Dockerfile.prod`, `api.Dockerfile` anywhere in the project except dependency folders. */
function dockerfiles(root: string): DockerfileFact[] {
  const out: DockerfileFact[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (depth > 0 && !SKIP_DIRS.has(e.name)) walk(rel, depth - 1);
      } else if (e.isFile() && /^Dockerfile(\..+)?$|\.Dockerfile$/i.test(e.name)) {
        const text = readDockerfile(root, rel);
        if (text !== undefined) out.push(parseDockerfile(text, rel));
      }
    }
  };
  walk('', 8);
  return out;
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
function composeModels(root: string): ComposeModel[] {
  return findComposeFiles(root).map((file) => readComposeFiles(root, [file]));
}

/**
 * The backups `envplane migrate` leaves beside the layers it rewrites (`<layer>.bak`, then `.bak.2`, `.bak.3`…), with
 * the key names each assigns: they keep the old plaintext values until someone deletes them. Values are parsed and
 * dropped here. Regular files only (a link is not a backup migrate wrote); a file that no longer parses as an env
 * file is not one migrate wrote as it stands either, and is skipped rather than failing the whole `check`.
 */
function layerBackups(root: string, layers: string[]): LayerBackupFact[] {
  const listings = new Map<string, Dirent[]>();
  const out: LayerBackupFact[] = [];
  for (const layer of layers) {
    const dir = dirname(layer);
    let entries = listings.get(dir);
    if (!entries) {
      try {
        entries = readdirSync(join(root, dir), { withFileTypes: true });
      } catch {
        entries = [];
      }
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
