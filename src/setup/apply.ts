/**
 * Carries out a setup plan, all or nothing: every new file is first written in full beside its target (a temp file,
 * fsynced; a full disk or a size limit fails here, before anything is visible), then the audit intent lines go to disk,
 * then modes are narrowed, rotation times recorded and the files put in place; a failure there undoes what was done,
 * so a `failed` line means nothing changed. Files are 0600 in 0700 folders, never through a link; templates,
 * `.gitkeep` and a new `.gitignore` are 0644 (committed, public by design). Runs under the project lock, after the
 * plan was made under it.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditEvent, withAudit } from '../audit/log.ts';
import { EnvplaneError } from '../errors.ts';
import { removeStaleTemps, type StagedWrite } from '../io/atomic.ts';
import { readTextIfExists } from '../io/read.ts';
import { stageSecretFile, stageStoreFile, writeStoreFile } from '../stores/files.ts';
import { generateValue } from '../stores/generate.ts';
import { type RotationRecord, recordRotations, withStateRestored } from '../stores/state.ts';
import type { SetupAction, SetupPlan } from './plan.ts';

export interface ApplyResult {
  /** Stray temp files of a killed earlier run, removed. */
  removedTemps: number;
}

/** Templates and `.gitkeep` hold no value and are committed: readable by everyone, as the docs say. */
export const PUBLIC_MODE = 0o644;

interface Staged {
  action: SetupAction;
  write: StagedWrite;
  /** The text it replaces (only `.gitignore` replaces a file), to put back on failure. */
  before?: string;
}

export function applySetup(root: string, plan: SetupPlan, storeDirOf: (environment: string) => string): ApplyResult {
  const tighten = plan.actions.filter((a) => a.kind === 'tighten');
  for (const action of tighten) refuseForeignOwner(root, action.path);
  let removedTemps = 0;
  for (const dir of plan.dirs) removedTemps += removeStaleTemps(join(root, dir));
  const records: RotationRecord[] = [];
  const now = new Date().toISOString();
  const staged: Staged[] = [];
  try {
    for (const action of plan.actions) {
      const before = action.kind === 'gitignore' ? readTextIfExists(join(root, action.path), action.path) : undefined;
      const write = stageAction(root, action, storeDirOf);
      if (!write) continue;
      staged.push({ action, write, ...(before !== undefined ? { before } : {}) });
      if (action.kind === 'generate')
        records.push({
          environment: action.environment,
          secret: action.secret,
          ...(action.tenant !== undefined ? { tenant: action.tenant } : {}),
          rotatedAt: now,
          by: 'setup',
        });
    }
    withAudit(root, [...auditEvents(plan, 'generate'), ...auditEvents(plan, 'copy')], () =>
      withStateRestored(root, () => commitAll(root, tighten, staged, records)),
    );
  } finally {
    for (const s of staged) s.write.discard();
  }
  return { removedTemps };
}

function stageAction(
  root: string,
  action: SetupAction,
  storeDirOf: (environment: string) => string,
): StagedWrite | undefined {
  switch (action.kind) {
    case 'tighten':
      return undefined;
    case 'generate':
      return stageSecretFile(root, storeDirOf(action.environment), action.path, generateValue(action.rule));
    case 'copy':
      return stageStoreFile(root, action.path, readTextIfExists(join(root, action.from), action.from) ?? '');
    case 'template':
      return stageStoreFile(root, action.path, action.text, PUBLIC_MODE);
    case 'gitkeep':
      return stageStoreFile(root, action.path, '', PUBLIC_MODE);
    case 'gitignore':
      return stageStoreFile(root, action.path, action.text, action.mode);
  }
}

type Tighten = Extract<SetupAction, { kind: 'tighten' }>;

/** Folders narrowed first (before anything lands in them), then rotation times, then every file put in place. */
function commitAll(root: string, tighten: Tighten[], staged: Staged[], records: RotationRecord[]): void {
  const narrowed: Tighten[] = [];
  const placed: Staged[] = [];
  try {
    for (const action of tighten) {
      chmodPath(root, action.path, action.mode);
      narrowed.push(action);
    }
    recordRotations(root, records);
    for (const s of staged) {
      s.write.commit();
      placed.push(s);
    }
  } catch (error) {
    for (const s of placed.reverse()) undoPlaced(root, s);
    for (const action of narrowed.reverse()) {
      try {
        chmodSync(join(root, action.path), action.was & 0o7777);
      } catch {
        // best effort; the error below is the one to report
      }
    }
    throw error;
  }
}

/** Setup only creates files that were missing, and rewrites `.gitignore`: remove the one, put the other back. */
function undoPlaced(root: string, s: Staged): void {
  try {
    if (s.before !== undefined)
      writeStoreFile(root, s.action.path, s.before, s.action.kind === 'gitignore' ? s.action.mode : 0o600);
    else if ('path' in s.action) unlinkSync(join(root, s.action.path));
  } catch {
    // best effort
  }
}

function chmodPath(root: string, path: string, mode: number): void {
  try {
    chmodSync(join(root, path), mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new EnvplaneError('failure', `cannot narrow the mode of ${path}: ${code}`, {
      location: { file: path },
      hint: 'nothing was changed; check who owns it (ls -l) and that its file system is writable',
    });
  }
}

/**
 * Only a file's owner (or root) may change its mode: narrowing one that another user owns failed with EPERM, an
 * internal error, after earlier actions had run. Refused first, with what to do.
 */
function refuseForeignOwner(root: string, path: string): void {
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return;
  let owner: number;
  try {
    owner = lstatSync(join(root, path)).uid;
  } catch {
    return;
  }
  if (owner !== uid)
    throw new EnvplaneError('input', `cannot narrow the mode of ${path}: it belongs to another user (uid ${owner})`, {
      location: { file: path },
      hint: `ask its owner or root to run \`chmod go-rwx ${path}\` (or \`chown\` it to you); nothing was changed`,
    });
}

function auditEvents(plan: SetupPlan, kind: 'generate' | 'copy'): AuditEvent[] {
  const byEnv = new Map<string, string[]>();
  for (const a of plan.actions)
    if (a.kind === kind) {
      const list = byEnv.get(a.environment) ?? [];
      byEnv.set(a.environment, list);
      list.push(a.tenant === undefined ? a.secret : `${a.secret}@${a.tenant}`);
    }
  return [...byEnv].map(([environment, secrets]) => ({ command: 'setup', action: kind, environment, secrets }));
}
