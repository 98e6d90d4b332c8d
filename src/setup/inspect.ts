/** The facts `planSetup` needs, read from disk: what each path is, its mode and size, and the text of templates. */
import { isTempName } from '../io/atomic.ts';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { readTextIfExists } from '../io/read.ts';
import { EXAMPLE_SUFFIX, type PathFact, type SetupFacts } from './plan.ts';
import { listDir } from '../io/list.ts';

export function inspect(root: string, paths: string[]): SetupFacts {
  const facts: SetupFacts = {};
  for (const path of paths) facts[path] = inspectPath(root, path);
  return facts;
}

function inspectPath(root: string, path: string): PathFact {
  const abs = join(root, path);
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    throw error;
  }
  const mode = stat.mode & 0o777;
  if (stat.isSymbolicLink()) return { kind: 'link' };
  if (stat.isDirectory()) return { kind: 'dir', mode };
  if (!stat.isFile()) return { kind: 'other' };
  const fact: PathFact = { kind: 'file', mode, size: stat.size };
  // Templates and .gitignore are read; a secret file's content is never looked at here.
  if (path.endsWith(EXAMPLE_SUFFIX) || path === '.gitignore') {
    const text = readTextIfExists(abs, path);
    if (text !== undefined) fact.text = text;
  }
  return fact;
}

/** Whether a killed earlier run left temp files (the prefix `writeFileAtomic` gives them) in one of `dirs`. */
export function hasStaleTemps(root: string, dirs: string[]): boolean {
  return dirs.some((dir) => listDir(join(root, dir)).some(isTempName));
}
