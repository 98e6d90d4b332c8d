/**
 * The values side of `envplane compose`: every secret of the environment's instances read once, a revision for each
 * (an HMAC-SHA256 of the value under a key kept in the secret store itself, so the committed or printed name cannot
 * be used to test a guess of the value), and the private tmpfs folder for values that need a file and have none.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Environment } from '../../manifest/types.ts';
import type { Project } from '../../project/_root.ts';
import type { Bundle, SecretRef } from '../../resolve/types.ts';
import { readSecretValue } from '../../stores/read.ts';
import { writeSecretFile } from '../../stores/files.ts';
import { secretsBase } from '../../io/secrets-dir.ts';

/** The store's name of the revision key: a secret of its own, `secrets/envplane_revision_key.txt` by default. */
export const REVISION_KEY = 'envplane_revision_key';

/** The revision key of a files store, made (32 random bytes, base64) the first time. External stores have none. */
export function revisionKey(project: Project, environment: Environment): string | undefined {
  const store = environment.secrets;
  if (store.kind !== 'files') return undefined;
  const path = `${store.dir}/${store.pattern.replaceAll('{name}', REVISION_KEY)}`;
  const existing = readSecretValue(project.root, { kind: 'file', path }, {});
  if (existing) return existing;
  const key = randomBytes(32).toString('base64');
  writeSecretFile(project.root, store.dir, path, key);
  return key;
}

/** 12 hex digits of HMAC-SHA256(key, source NUL value): changes exactly when the value changes. */
export function revisionOf(key: string, source: string, value: string): string {
  return createHmac('sha256', key).update(`${source}\0${value}`).digest('hex').slice(0, 12);
}

/** One value per source (`JIRA_TOKEN_wex`), from every bundle; `secretSource` decides the source name. */
export async function valuesBySource(
  bundles: readonly Bundle[],
  read: (bundle: Bundle) => Promise<{ ref: SecretRef; value: string }[]>,
  sourceOf: (ref: SecretRef) => string,
): Promise<Map<string, { ref: SecretRef; value: string }>> {
  const out = new Map<string, { ref: SecretRef; value: string }>();
  for (const bundle of bundles) for (const v of await read(bundle)) out.set(sourceOf(v.ref), v);
  return out;
}

/**
 * The folder of secret files for one project and environment when Compose needs files (v1) and a value has none of
 * its own: on tmpfs, 0700, named by a digest of the project folder and environment (not by a pid: it must outlive
 * this process until `envplane compose -- down`).
 */
export function composeFilesDir(root: string, environment: string): string {
  const id = createHash('sha256').update(`${root}\0${environment}`).digest('hex').slice(0, 16);
  return join(secretsBase(), `envplane-compose-${process.getuid?.() ?? 0}-${id}`);
}

export function writeComposeFile(dir: string, name: string, value: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0)
    throw new Error('compose files folder is not private');
  const file = join(dir, name);
  rmSync(file, { force: true });
  writeFileSync(file, value, { mode: 0o400, flag: 'wx' });
  return file;
}

export function removeComposeFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
  rmSync(dir, { recursive: true, force: true });
}
