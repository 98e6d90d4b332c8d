/**
 * The secret-store half of `check`'s facts: for each secret location the bundles reference, whether a value exists,
 * its length, digest and shape, its file's mode and git state, its template; the store folders and templates on disk.
 * Values are read here and reduced on the spot; none leaves this file.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { ignoredPaths, isGitRepo, trackedFiles } from '../io/git.ts';
import { type Distrust, distrustOfSecretFile, trustedOwners } from '../io/trust.ts';
import { walkFiles } from '../io/walk.ts';
import type { Environment } from '../manifest/types.ts';
import { isRemoteLocation, storeLocation } from '../resolve/secrets.ts';
import type { Bundle, SecretLocation } from '../resolve/types.ts';
import { locationId } from '../rules/_common.ts';
import { estimatedBits, isPlaceholder } from '../rules/_value-shape.ts';
import type { SecretFact } from '../rules/types.ts';
import { readSecretValue } from '../stores/read.ts';
import { readRotationState, secretAgeDays } from '../stores/state.ts';
import type { Project } from './load.ts';

/** `check` reports a file another account could have written (rule secret-untrusted) instead of refusing it. */
const READ = { untrusted: 'read' } as const;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** One fact per secret location the bundles reference (runtime and build secrets). */
export function secretFacts(project: Project, bundles: Bundle[], now: Date): Record<string, SecretFact> {
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
        : isRemoteLocation(ref.location)
          ? {}
          : { value: readSecretValue(root, ref.location, project.layers, READ) };
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
  untrusted?: Distrust;
}

/**
 * A files-store value by the rules of `readSecretValue` (no symbolic links, strict UTF-8, one trailing newline
 * dropped, empty means missing) in one open, fstat and read: `check` reads every secret file of every environment.
 * Anything unusual is handed to `readSecretValue`, which raises the located error.
 */
function readStoreFile(root: string, path: string): StoreRead {
  let fd: number;
  try {
    fd = openSync(join(root, path), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    return { value: readSecretValue(root, { kind: 'file', path }, {}, READ) };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { stat, value: readSecretValue(root, { kind: 'file', path }, {}, READ) };
    const untrusted = distrustOfSecretFile(root, path, stat, owners(root));
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
      return { stat, value: readSecretValue(root, { kind: 'file', path }, {}, READ) };
    }
    const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
    const read: StoreRead = value === '' ? { stat } : { stat, value };
    if (untrusted) read.untrusted = untrusted;
    return read;
  } finally {
    closeSync(fd);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The trusted owners of one project, looked up once per check. */
const ownersByRoot = new Map<string, Set<number>>();
function owners(root: string): Set<number> {
  let found = ownersByRoot.get(root);
  if (!found) {
    found = trustedOwners(root);
    ownersByRoot.set(root, found);
  }
  return found;
}

/** `.example` templates, each looked up and read once (tenants of a per-tenant secret share one). */
function templateReader(root: string): (path: string) => { exists: boolean; value?: string } {
  const cache = new Map<string, { exists: boolean; value?: string }>();
  return (path) => {
    let entry = cache.get(path);
    if (!entry) {
      // Most per-tenant files have no template of their own: test existence without a thrown ENOENT first.
      const found = exists(join(root, path));
      const value = found ? readSecretValue(root, { kind: 'file', path }, {}, READ) : undefined;
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
  { stat, value, untrusted }: StoreRead,
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
    if (untrusted) fact.untrusted = untrusted;
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
export function secretDirs(
  root: string,
  environments: Environment[],
  bundles: Bundle[],
): { path: string; mode: number }[] {
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

/**
 * `*.example` files under every files-store directory, as deep as its patterns put files: the store and its tenant
 * folders by default, `vault/clients/wex/` for a `tenantPattern` of `clients/{tenant}/{name}.secret`.
 */
export function templates(root: string, environments: Environment[]): string[] {
  const folders = (pattern: string) => pattern.split('/').length - 1;
  const found = environments.flatMap((e) =>
    e.secrets.kind === 'files' && e.secrets.dir !== '.'
      ? walkFiles(root, e.secrets.dir, {
          maxDepth: Math.max(1, folders(e.secrets.pattern), folders(e.secrets.tenantPattern)),
        }).filter((path) => path.endsWith('.example'))
      : [],
  );
  return [...new Set(found)].sort();
}
