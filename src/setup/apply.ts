/**
 * Carries out a setup plan: every file written atomically (0600, folders 0700, never through a link), rotation times
 * recorded, one audit line per kind of value write. Runs under the project lock, after the plan was made under it.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { appendAudit } from '../audit/log.ts';
import { removeStaleTemps } from '../io/atomic.ts';
import { readTextIfExists } from '../io/read.ts';
import { writeSecretFile, writeStoreFile } from '../stores/files.ts';
import { generateValue } from '../stores/generate.ts';
import { type RotationRecord, recordRotations } from '../stores/state.ts';
import type { SetupAction, SetupPlan } from './plan.ts';

export interface ApplyResult {
  /** Stray temp files of a killed earlier run, removed. */
  removedTemps: number;
}

export function applySetup(root: string, plan: SetupPlan, storeDirOf: (environment: string) => string): ApplyResult {
  let removedTemps = 0;
  for (const dir of plan.dirs) removedTemps += removeStaleTemps(join(root, dir));
  const records: RotationRecord[] = [];
  const now = new Date().toISOString();
  // Folders first (tightened before anything lands in them), then values, then templates and .gitignore.
  const order: SetupAction['kind'][] = ['tighten', 'generate', 'copy', 'template', 'gitkeep', 'gitignore'];
  const actions = [...plan.actions].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const action of actions) {
    switch (action.kind) {
      case 'tighten':
        chmodSync(join(root, action.path), action.mode);
        break;
      case 'generate':
        writeSecretFile(root, storeDirOf(action.environment), action.path, generateValue(action.rule));
        records.push({
          environment: action.environment,
          secret: action.secret,
          ...(action.tenant !== undefined ? { tenant: action.tenant } : {}),
          rotatedAt: now,
          by: 'setup',
        });
        break;
      case 'copy': {
        const text = readTextIfExists(join(root, action.from), action.from) ?? '';
        writeStoreFile(root, action.path, text);
        break;
      }
      case 'template':
      case 'gitkeep':
        writeStoreFile(root, action.path, action.kind === 'template' ? action.text : '');
        break;
      case 'gitignore':
        writeStoreFile(root, action.path, action.text, action.mode);
        break;
    }
  }
  recordRotations(root, records);
  auditValues(root, plan, 'generate');
  auditValues(root, plan, 'copy');
  return { removedTemps };
}

function auditValues(root: string, plan: SetupPlan, kind: 'generate' | 'copy'): void {
  const byEnv = new Map<string, string[]>();
  for (const a of plan.actions)
    if (a.kind === kind) {
      const list = byEnv.get(a.environment) ?? [];
      byEnv.set(a.environment, list);
      list.push(a.tenant === undefined ? a.secret : `${a.secret}@${a.tenant}`);
    }
  for (const [environment, secrets] of byEnv)
    appendAudit(root, { command: 'setup', action: kind, environment, secrets });
}
