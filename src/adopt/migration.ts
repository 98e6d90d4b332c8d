/**
 * A migration as data: where every key goes, and the ordered file operations that get it there. Both planners
 * (`migrate <file>` and `migrate` of secrets in layer files) produce this; the CLI prints it (`--dry-run`), journals
 * it and applies it. The order is the crash-safety argument: new files first, then the manifest, then backups, and
 * only then are old files rewritten or removed — a key is always readable in its old place or its new one.
 */
import type { ManifestEdit } from '../manifest/write.ts';
import type { Plane } from '../manifest/types.ts';

export type StepKind = 'secret' | 'example' | 'config' | 'gitignore' | 'manifest' | 'backup' | 'layer' | 'remove';

export type Step =
  | {
      op: 'write';
      kind: Exclude<StepKind, 'remove'>;
      /** Relative to the project root. */
      path: string;
      contents: string;
      /** File mode; undefined keeps the mode of an existing file (0644 for a new one). */
      mode?: number;
    }
  | { op: 'remove'; kind: 'remove'; path: string };

export type MoveStatus = 'moved' | 'already there' | 'kept' | 'empty';

export interface Move {
  /** The variable as written in the old file. */
  key: string;
  from: { file: string; line: number };
  plane: Plane;
  /** The key's name in the manifest (a secret `POSTGRES_PASSWORD` may become `postgres_password`). */
  name: string;
  /** Secret file, config layer, or the reason it stayed. */
  to: string;
  tenant?: string;
  status: MoveStatus;
  /** Why this plane (and why this status when not `moved`). */
  reason: string;
}

export interface MigrationPlan {
  environment: string;
  /** The legacy file, for `migrate <file>`; absent for the layer migration. */
  source?: string;
  moves: Move[];
  manifestEdits: ManifestEdit[];
  steps: Step[];
  warnings: string[];
}

const ORDER: StepKind[] = ['secret', 'example', 'config', 'gitignore', 'manifest', 'backup', 'layer', 'remove'];

/** Steps in the crash-safe order (stable within a kind). */
export function orderSteps(steps: readonly Step[]): Step[] {
  return [...steps].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}

/** A `.example` placeholder for a secret: a hint for a human, never a value. */
export function secretPlaceholder(name: string): string {
  return `your_${name}\n`;
}

/** A secret file's contents for a value: one trailing newline, which the store's reader strips. */
export function secretFileContents(value: string): string {
  return `${value}\n`;
}

/** A stored value as the store's reader sees it (one trailing newline dropped; empty means missing). */
export function storedValue(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  return value === '' ? undefined : value;
}

/** `<file>.bak`, or `.bak.2`, `.bak.3`… when an older backup with other contents is there. */
export function backupPath(file: string, contents: string, read: (path: string) => string | undefined): string {
  for (let n = 1; ; n++) {
    const path = n === 1 ? `${file}.bak` : `${file}.bak.${n}`;
    const existing = read(path);
    if (existing === undefined || existing === contents) return path;
  }
}
