/** The `.gitignore` step of a migration: the store's lines (shared with `setup`) plus one line per backup file. */
import { completeGitignore, wantedIgnoreLines } from '../setup/gitignore.ts';
import type { Step } from './migration.ts';

export function ignoreStep(
  existing: string | undefined,
  storeDirs: string[],
  secretDirs: string[],
  backups: string[],
): Step | undefined {
  const wanted = [...wantedIgnoreLines(storeDirs, secretDirs, false), ...backups.map((b) => `/${escapeIgnore(b)}`)];
  const done = completeGitignore(existing, wanted);
  return done ? { op: 'write', kind: 'gitignore', path: '.gitignore', contents: done.text } : undefined;
}

function escapeIgnore(path: string): string {
  return path.replace(/[\\*?[\]!# ]/g, (c) => `\\${c}`);
}
