/** Small helpers the rules share: stable ids for secret locations, manifest positions, names that look secret. */
import { positionOf } from '../manifest/_yaml.ts';
import type { Manifest } from '../manifest/types.ts';
import type { SecretLocation } from '../resolve/types.ts';
import type { ProblemLocation } from './types.ts';

/** The key of a secret location in `CheckInput.secrets`. */
export function locationId(location: SecretLocation): string {
  switch (location.kind) {
    case 'file':
      return `file:${location.path}`;
    case 'external':
      return `external:${location.name}`;
    case 'store':
      return `${location.store}:${location.ref}`;
    case 'layer':
      return `layer:${location.file}:${location.line}`;
  }
}

/** Where a location is shown to a user: a path, `file:line`, or the external secret's name. */
export function locationText(location: SecretLocation): string {
  if (location.kind === 'file') return location.path;
  if (location.kind === 'layer') return `${location.file}:${location.line}`;
  if (location.kind === 'store') return location.ref;
  return `external secret ${location.name}`;
}

/** A node of the manifest as a problem location (`/services/etl/uses/2` → envplane.yaml:31:5). */
export function inManifest(manifest: Manifest, ...pointer: string[]): ProblemLocation {
  const at = positionOf(manifest.positions, pointer);
  return { file: manifest.file, line: at.line, column: at.column };
}

/**
 * Names that say "credential". Suffixes only: `ACCESS_TOKEN_EXPIRE_MINUTES` and `JWT_ALGORITHM` are settings, not
 * secrets, and `VITE_PUBLISHABLE_KEY` is public by design.
 */
const SECRET_NAME =
  /(^|[_.-])(PASSWORD|PASSWD|PASS|PWD|SECRET|SECRET_KEY|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|ACCESS_KEY_ID|SECRET_ACCESS_KEY|ENCRYPTION_KEY|SIGNING_KEY|CREDENTIALS?|AUTH_KEY|DSN|CONNECTION_STRING)$/i;

export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `a, b and c` */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Groups items by a string key, keeping first-seen order. */
export function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** A secret location as a problem location; external secrets have none on disk. */
export function secretProblemLocation(location: SecretLocation): ProblemLocation | undefined {
  if (location.kind === 'file') return { file: location.path };
  if (location.kind === 'layer') return { file: location.file, line: location.line };
  return undefined;
}
