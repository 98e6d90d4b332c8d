/**
 * Applying a migration so that a crash (SIGKILL, power loss) at any moment loses no key. The whole list of steps,
 * with the full contents of every file it writes, is first written atomically to `.envplane/migrate.json` (0600 in a
 * 0700 folder, ignored by git); then each step writes a whole file atomically or removes one; then the journal goes.
 * A run that finds a journal replays it from the start — every step is idempotent — before doing anything else.
 * The journal holds secret values for as long as the migration runs, exactly like the files it moves them between.
 */
import { lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Step } from '../../adopt/migration.ts';
import { EnvplaneError } from '../../errors.ts';
import { removeStaleTemps, writeFileAtomic } from '../../io/atomic.ts';
import { refuseLinksOnPath, writeStoreFile } from '../../stores/files.ts';

export const JOURNAL = '.envplane/migrate.json';

interface Journal {
  version: 1;
  steps: Step[];
}

/** Finishes a migration that was interrupted; returns how many steps it replayed (undefined when none was). */
export function finishInterrupted(root: string): number | undefined {
  removeStaleTemps(join(root, dirname(JOURNAL)));
  const journal = readJournal(root);
  if (!journal) return undefined;
  applySteps(root, journal.steps);
  removeJournal(root);
  return journal.steps.length;
}

/** Journals the steps, applies them in order, then drops the journal. */
export function applyJournaled(root: string, steps: readonly Step[]): void {
  const journal: Journal = { version: 1, steps: [...steps] };
  // Every path is checked before the journal exists: a symbolic link is a clean refusal, not a half-applied journal.
  for (const step of steps) refuseLinksOnPath(root, step.path);
  refuseLinksOnPath(root, JOURNAL);
  writeFileAtomic(join(root, JOURNAL), `${JSON.stringify(journal)}\n`, {
    mode: 0o600,
    dirMode: 0o700,
    shownAs: JOURNAL,
  });
  applySteps(root, steps);
  removeJournal(root);
}

/** The last step: every file is in place; a journal that cannot be removed is replayed (idempotently) next time. */
function removeJournal(root: string): void {
  try {
    unlinkSync(join(root, JOURNAL));
  } catch (error) {
    throw ioError(error, JOURNAL, 'every file was migrated; the next `envplane migrate` removes the journal');
  }
}

function ioError(error: unknown, path: string, hint: string): unknown {
  if (error instanceof EnvplaneError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return new EnvplaneError('failure', `cannot remove ${path}: ${code}`, { location: { file: path }, hint });
}

function applySteps(root: string, steps: readonly Step[]): void {
  for (const dir of new Set(steps.map((s) => dirname(s.path)))) removeStaleTemps(join(root, dir));
  for (const step of steps) {
    if (step.op === 'remove') {
      refuseLinksOnPath(root, dirname(step.path));
      try {
        unlinkSync(join(root, step.path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw ioError(
            error,
            step.path,
            `the migration is journaled in ${JOURNAL}; run \`envplane migrate\` again to finish it`,
          );
      }
    } else if (step.kind === 'secret' || step.kind === 'example' || step.kind === 'backup') {
      writeStoreFile(root, step.path, step.contents, step.mode ?? 0o600);
    } else {
      refuseLinksOnPath(root, step.path);
      const mode = step.mode ?? existingMode(join(root, step.path)) ?? 0o644;
      writeFileAtomic(join(root, step.path), step.contents, { mode, dirMode: 0o755, shownAs: step.path });
    }
  }
}

function existingMode(path: string): number | undefined {
  try {
    return lstatSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

function readJournal(root: string): Journal | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, JOURNAL), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnvplaneError(
      'failure',
      `cannot read ${JOURNAL}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`,
      {
        location: { file: JOURNAL },
        hint: 'it records an interrupted migration; make it readable and run `envplane migrate` again',
      },
    );
  }
  let journal: unknown;
  try {
    journal = JSON.parse(text);
  } catch {
    journal = undefined;
  }
  const steps = (journal as Journal | undefined)?.steps;
  const valid =
    (journal as Journal | undefined)?.version === 1 &&
    Array.isArray(steps) &&
    steps.every(
      (s) =>
        typeof s?.path === 'string' &&
        !s.path.startsWith('/') &&
        !s.path.split('/').includes('..') &&
        (s.op === 'remove' || (s.op === 'write' && typeof s.contents === 'string')),
    );
  if (!valid)
    throw new EnvplaneError('input', 'the journal of an interrupted migration is unreadable', {
      location: { file: JOURNAL },
      hint: 'look at the files it names, finish by hand, then delete it',
    });
  return journal as Journal;
}
