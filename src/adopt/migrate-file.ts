/**
 * `envplane migrate <file> --env <env>`: the first seed's migration from a legacy `.env.development`. Secrets go to
 * the environment's files store (one file each), config and public keys are appended to the environment's own
 * config layer, undeclared keys are added to the manifest (and granted to `--service`), `.example` placeholders and
 * `.gitignore` lines are written. The legacy file is left alone (the seed's step 5 is "remove old files once
 * confirmed working") unless `--remove-old`. Pure: every file is read through `read`.
 */
import { type DotenvEntry, parseDotenvEntries, serializeDotenv } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from '../manifest/_suggest.ts';
import { isValidName, keyNameKind } from '../manifest/names.ts';
import type { Environment, Key, Manifest, Plane } from '../manifest/types.ts';
import type { ManifestEdit } from '../manifest/write.ts';
import { storeLocation } from '../resolve/secrets.ts';
import { classifyKey } from './classify.ts';
import { ignoreStep } from './_migrate-gitignore.ts';
import {
  type MigrationPlan,
  type Move,
  orderSteps,
  type Step,
  secretFileContents,
  secretPlaceholder,
  storedValue,
} from './migration.ts';

export interface FileMigrationInput {
  manifest: Manifest;
  manifestText: string;
  environment: Environment;
  /** Grant the new keys to this service (default: the only service, if there is exactly one). */
  service?: string;
  /** The legacy file, relative to the root. */
  source: string;
  /** Its entries, parsed without any outside environment. */
  entries: readonly DotenvEntry[];
  /** Keys whose value used `${VAR}` interpolation: the value is written as parsed, with a warning. */
  interpolated: ReadonlySet<string>;
  removeOld: boolean;
  /** Planes chosen by the user for keys the classifier was unsure of. */
  answers?: Readonly<Record<string, Plane>>;
  /** Reads a project file (relative path); undefined when absent. */
  read: (path: string) => string | undefined;
}

export function planFileMigration(input: FileMigrationInput): MigrationPlan {
  const { manifest, environment, source } = input;
  const warnings: string[] = [];
  const moves: Move[] = [];
  const steps: Step[] = [];
  const edits: ManifestEdit[] = [];
  const service = grantee(manifest, input.service, warnings);
  const target = configTarget(manifest, environment, source);
  if (target === source)
    throw new EnvplaneError('usage', `${source} is where ${environment.name}'s config would go`, {
      hint: `rename it (e.g. to ${source}.legacy) and migrate that file, so the old and the new config do not mix`,
    });
  if (!manifest.environments.find((e) => e.name === environment.name)?.config.includes(target))
    edits.push({ kind: 'add-layer', environment: environment.name, path: target });
  const targetEntries = parseLayer(input.read(target));
  // What the environment's layers already give each key (the last setting wins), to skip keys that need no move.
  const envSettings = new Map<string, { file: string; value: string }>();
  for (const layer of [...environment.config.filter((p) => p !== target), target])
    for (const e of parseLayer(input.read(layer))) envSettings.set(e.key, { file: layer, value: e.value });
  const appended: [string, string][] = [];
  const grants: { uses: string[]; build: string[] } = { uses: [], build: [] };
  const secretDirs = new Set<string>();

  const lowerSecrets = new Map(
    Object.values(manifest.keys)
      .filter((k) => k.plane === 'secret' || k.plane === 'build')
      .map((k) => [k.name.toLowerCase(), k]),
  );
  const upperCase = secretsAreUpperCase(manifest);
  const targetByKey = new Map(targetEntries.map((e) => [e.key, e]));
  for (const [key, entry] of lastEntries(input.entries)) {
    const declared = manifest.keys[key] ?? lowerSecrets.get(key.toLowerCase());
    const guess = classifyKey(key, entry.value);
    const plane: Plane = declared?.plane ?? input.answers?.[key] ?? guess.plane;
    const reason = declared
      ? `declared as ${declared.plane} in ${manifest.file}`
      : input.answers?.[key]
        ? 'chosen by you'
        : guess.certain
          ? guess.reason
          : `${guess.reason}; kept as config — declare it \`plane: secret\` if it is one`;
    if (!declared && !guess.certain && !input.answers?.[key])
      warnings.push(`${key}: could not tell whether it is a secret; kept as config (${source}:${entry.line})`);
    if (input.interpolated.has(key))
      warnings.push(
        `${key}: its value uses \${…} interpolation; it is written as envplane reads it, without the shell`,
      );
    const from = { file: source, line: entry.line };
    const name =
      declared?.name ?? (plane === 'secret' || plane === 'build' ? (upperCase ? key : key.toLowerCase()) : key);
    const move: Move = { key, from, plane, name, to: '', status: 'moved', reason };
    const valid = isValidName(keyNameKind(plane), name);
    if (!declared && !valid) {
      moves.push({ ...move, to: source, status: 'kept', reason: `"${name}" is not a valid ${plane} key name` });
      warnings.push(`${key} stays in ${source}: "${name}" cannot be declared (letters, digits and _ only)`);
      continue;
    }
    if (declared?.perTenant) {
      moves.push({ ...move, to: source, status: 'kept', reason: `${name} has one value per tenant; move it by hand` });
      warnings.push(`${key}: ${name} is per tenant, so a single value cannot be migrated; it stays in ${source}`);
      continue;
    }
    if (plane === 'secret' || plane === 'build') {
      const keyDef: Key = declared ?? { name, plane, required: plane === 'secret', perTenant: false };
      const location = storeLocation(environment, keyDef);
      if (location.kind !== 'file')
        throw new EnvplaneError('usage', `environment "${environment.name}" keeps its secrets in an external store`, {
          hint: 'migrate into an environment with a files store, and create external secrets with `docker secret create NAME -`',
        });
      move.to = location.path;
      secretDirs.add(location.path.slice(0, location.path.lastIndexOf('/')) || '.');
      const stored = storedValue(input.read(location.path));
      if (entry.value === '') {
        move.status = 'empty';
        move.reason += '; the value is empty: `envplane setup` generates or copies one';
      } else if (stored === entry.value) {
        move.status = 'already there';
      } else if (stored !== undefined) {
        throw conflict(key, source, entry.line, location.path);
      } else {
        steps.push({
          op: 'write',
          kind: 'secret',
          path: location.path,
          contents: secretFileContents(entry.value),
          mode: 0o600,
        });
      }
      if (input.read(`${location.path}.example`) === undefined)
        steps.push({
          op: 'write',
          kind: 'example',
          path: `${location.path}.example`,
          contents: secretPlaceholder(name),
          mode: 0o644,
        });
      (plane === 'build' ? grants.build : grants.uses).push(name);
    } else {
      move.to = target;
      const existing = targetByKey.get(key);
      const effective = envSettings.get(key);
      if (existing && existing.value !== entry.value)
        throw conflict(key, source, entry.line, `${target}:${existing.line}`);
      if (effective && effective.value === entry.value) {
        move.status = 'already there';
        move.to = effective.file;
      } else if (!existing) appended.push([key, entry.value]);
      grants.uses.push(name);
    }
    if (!declared) {
      const comment = `${plane}: ${move.reason} (migrated from ${source})`;
      edits.push({ kind: 'add-key', name, key: { plane, comment } });
    }
    moves.push(move);
  }

  if (appended.length > 0) {
    const existing = input.read(target);
    const head =
      existing === undefined || existing === '' ? '' : existing.endsWith('\n') ? `${existing}\n` : `${existing}\n\n`;
    steps.push({
      op: 'write',
      kind: 'config',
      path: target,
      contents: `${head}# Moved from ${source} by envplane migrate\n${serializeDotenv(appended)}`,
    });
  }
  if (service) {
    if (grants.uses.length > 0) edits.push({ kind: 'add-uses', service, names: grants.uses });
    if (grants.build.length > 0) edits.push({ kind: 'add-build', service, names: grants.build });
  }
  const ignore = ignoreStep(input.read('.gitignore'), storeDirs(manifest), [...secretDirs], []);
  if (ignore) steps.push(ignore);
  const kept = moves.filter((m) => m.status === 'kept');
  if (input.removeOld) {
    if (kept.length === 0) steps.push({ op: 'remove', kind: 'remove', path: source });
    else warnings.push(`${source} is not removed: ${kept.length} key(s) stayed in it`);
  }
  return { environment: environment.name, source, moves, manifestEdits: edits, steps: orderSteps(steps), warnings };
}

/** The last assignment of each key (the one Compose uses), in the order keys first appear. */
function lastEntries(entries: readonly DotenvEntry[]): Map<string, DotenvEntry> {
  const out = new Map<string, DotenvEntry>();
  for (const entry of entries) {
    out.delete(entry.key);
    out.set(entry.key, entry);
  }
  return out;
}

/** New secrets follow the project's habit: lower-case file names (the first seed's) unless its secrets are upper-case. */
function secretsAreUpperCase(manifest: Manifest): boolean {
  const secrets = Object.values(manifest.keys).filter((k) => k.plane === 'secret' || k.plane === 'build');
  const upper = secrets.filter((k) => k.name === k.name.toUpperCase()).length;
  return secrets.length > 0 && upper * 2 > secrets.length;
}

/**
 * The environment's own config layer: its last layer that no other environment reads (`config/dev.env`), or a new
 * `config/<alias>.env`.
 */
function configTarget(manifest: Manifest, environment: Environment, source: string): string {
  const shared = new Set(manifest.environments.filter((e) => e !== environment).flatMap((e) => e.config));
  const own = environment.config.filter((p) => !shared.has(p) && p !== source);
  const last = own[own.length - 1];
  if (last) return last;
  const short = [environment.name, ...environment.aliases].sort((a, b) => a.length - b.length)[0]!;
  return `config/${short}.env`;
}

function grantee(manifest: Manifest, service: string | undefined, warnings: string[]): string | undefined {
  const names = Object.keys(manifest.services);
  if (service !== undefined) {
    if (!manifest.services[service])
      throw new EnvplaneError('usage', `unknown service "${service}"`, {
        hint: unknownHint(service, names, 'services'),
      });
    return service;
  }
  if (names.length === 1) return names[0];
  warnings.push(
    names.length === 0
      ? 'no service is declared: the keys are declared but no service uses them yet'
      : 'no --service given: the keys are declared but not granted; add them to the `uses:` of the services that read them',
  );
  return undefined;
}

function storeDirs(manifest: Manifest): string[] {
  return [...new Set(manifest.environments.flatMap((e) => (e.secrets.kind === 'files' ? [e.secrets.dir] : [])))];
}

function parseLayer(text: string | undefined): DotenvEntry[] {
  return text === undefined ? [] : parseDotenvEntries(text, { lookup: {} });
}

function conflict(key: string, source: string, line: number, where: string): EnvplaneError {
  return new EnvplaneError('input', `${key} has a different value in ${where}`, {
    location: { file: source, line },
    hint: `keep one of the two values (edit ${where} or ${source}), then run migrate again; nothing was written`,
  });
}
