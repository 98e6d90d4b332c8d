/**
 * `.envplane/state.json`: when each secret was last written by envplane, per environment and tenant, so a rule can
 * flag secrets older than their `maxAgeDays`. Times and names only, never a value. Written atomically, 0600.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { STATE_DIR } from '../io/lock.ts';
import { readTextIfExists } from '../io/read.ts';

export const STATE_FILE = `${STATE_DIR}/state.json`;

export interface RotationRecord {
  environment: string;
  secret: string;
  tenant?: string;
  /** ISO time of the last write of a value (generation, rotation or rollback). */
  rotatedAt: string;
  /** What wrote it. */
  by: 'setup' | 'rotate' | 'rollback';
  /**
   * The value `rotate` kept as `<file>.previous`: when it was written. A rollback puts that value back, and its age
   * with it: the age belongs to the value, not to the moment it was put back.
   */
  previous?: { rotatedAt: string; by: RotationRecord['by'] | 'unknown' };
}

export interface RotationState {
  version: 1;
  /** By `rotationKey`. */
  secrets: Record<string, RotationRecord>;
}

/** `development/ENCRYPTION_KEY@wex`: one record per secret value. */
export function rotationKey(environment: string, secret: string, tenant?: string): string {
  return `${environment}/${secret}${tenant === undefined ? '' : `@${tenant}`}`;
}

/** The state (an empty one when the file does not exist). For `check`'s secret-age rule. */
export function readRotationState(root: string): RotationState {
  const text = readTextIfExists(join(root, STATE_FILE), STATE_FILE);
  if (text === undefined) return { version: 1, secrets: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EnvplaneError('input', 'the state file is not valid JSON', {
      location: { file: STATE_FILE },
      hint: 'it holds rotation times only; delete it to start over (secret ages are then unknown)',
    });
  }
  const state = parsed as Partial<RotationState>;
  if (state?.version !== 1 || typeof state.secrets !== 'object' || state.secrets === null)
    throw new EnvplaneError('input', 'the state file has an unknown shape', {
      location: { file: STATE_FILE },
      hint: 'delete it to start over (secret ages are then unknown)',
    });
  return state as RotationState;
}

/** The age in days of one secret's value, or undefined when envplane never wrote it. */
export function secretAgeDays(
  state: RotationState,
  environment: string,
  secret: string,
  tenant: string | undefined,
  now: Date,
): number | undefined {
  const record = state.secrets[rotationKey(environment, secret, tenant)];
  return record === undefined ? undefined : (now.getTime() - Date.parse(record.rotatedAt)) / 86_400_000;
}

/** The record of one secret, if envplane wrote it. */
export function rotationRecord(
  state: RotationState,
  environment: string,
  secret: string,
  tenant?: string,
): RotationRecord | undefined {
  return state.secrets[rotationKey(environment, secret, tenant)];
}

/** Adds records (read-modify-write: call under the project lock). */
export function recordRotations(root: string, records: RotationRecord[]): void {
  if (records.length === 0) return;
  const state = readRotationState(root);
  for (const r of records) state.secrets[rotationKey(r.environment, r.secret, r.tenant)] = r;
  const sorted = Object.fromEntries(Object.entries(state.secrets).sort(([a], [b]) => a.localeCompare(b)));
  // Other fields (the audit log's anchor, audit/log.ts) are kept as they are.
  writeFileAtomic(join(root, STATE_FILE), `${JSON.stringify({ ...state, version: 1, secrets: sorted }, null, 2)}\n`, {
    shownAs: STATE_FILE,
  });
}

/**
 * Runs `change`, which records rotations and then changes values; when it throws, the state file is put back as it
 * was (or removed, when there was none), so it never records a change that was not made. Call under the lock.
 */
export function withStateRestored<T>(root: string, change: () => T): T {
  const path = join(root, STATE_FILE);
  const before = readTextIfExists(path, STATE_FILE);
  try {
    return change();
  } catch (error) {
    try {
      if (before === undefined) unlinkSync(path);
      else writeFileAtomic(path, before, { shownAs: STATE_FILE });
    } catch {
      // the error that got us here is the one to report
    }
    throw error;
  }
}
