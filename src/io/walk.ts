/** Listing a project's files: the one directory walk behind `scan`, `check`'s templates and its Dockerfiles. */
import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface WalkOptions {
  /** Folder names not to enter, wherever they are (`node_modules`, `.git`). */
  skip?: ReadonlySet<string>;
  /** How many folder levels below `dir` to enter (default: all). */
  maxDepth?: number;
}

/**
 * Regular files under `root/dir`, as paths relative to root, sorted. Links are neither followed nor listed, and a
 * folder that cannot be read is passed over: what is not there cannot be judged or leak.
 */
export function walkFiles(root: string, dir: string, options: WalkOptions = {}): string[] {
  const out: string[] = [];
  const visit = (rel: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (depth > 0 && !options.skip?.has(e.name)) visit(path, depth - 1);
      } else if (e.isFile()) out.push(path);
    }
  };
  visit(dir === '.' ? '' : dir, options.maxDepth ?? Number.POSITIVE_INFINITY);
  return out.sort();
}
