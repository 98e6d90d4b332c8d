/**
 * Which working-tree files a scan reads. A secret's own home is not a leak: the files a `files` store reads, the
 * `.previous` copy `rotate` keeps, and envplane's state in `.envplane/`. A temp file is skipped only when it is
 * envplane's own write of one of those files that is still under way: beside its target, named as `io/atomic.ts`
 * names it (`.envplane-tmp-<pid>-<12 hex>-<target's name, cut at 40>`), its writer alive. Any other
 * `.envplane-tmp-*` (in `dist/`, beside a file that is no secret home, or left by a dead writer) is read, and the
 * skipped ones are listed. Everything else is read, `.example` files in the store folder included.
 */

export const DEFAULT_BUILD_DIRS = ['dist', 'build', '.next', 'out'] as const;

const TEMP_MARK = '.envplane-tmp-';
const PREVIOUS_SUFFIX = '.previous';

export function isSecretHome(path: string, storeFiles: ReadonlySet<string>): boolean {
  if (path === '.envplane' || path.startsWith('.envplane/')) return true;
  if (storeFiles.has(path)) return true;
  if (path.endsWith(PREVIOUS_SUFFIX) && storeFiles.has(path.slice(0, -PREVIOUS_SUFFIX.length))) return true;
  return false;
}

const TEMP_NAME = /^\.envplane-tmp-([1-9][0-9]{0,9})-[0-9a-f]{12}-(.+)$/;

/** The writer's pid when `path` is the temp file of an atomic write whose target is a secret home, else undefined. */
export function storeTempWriter(path: string, storeFiles: ReadonlySet<string>): number | undefined {
  const cut = path.lastIndexOf('/');
  const folder = cut === -1 ? '' : path.slice(0, cut + 1);
  const match = TEMP_NAME.exec(path.slice(cut + 1));
  if (!match) return undefined;
  const clue = match[2]!;
  for (const file of storeFiles) {
    const at = file.lastIndexOf('/');
    if ((at === -1 ? '' : file.slice(0, at + 1)) !== folder) continue;
    const name = file.slice(at + 1);
    if (name.slice(0, 40) === clue || `${name}${PREVIOUS_SUFFIX}`.slice(0, 40) === clue) return Number(match[1]);
  }
  return undefined;
}

export interface WorktreePlan {
  /** The distinct paths to read, in a stable order. */
  paths: string[];
  /** How many were left out as secret homes. */
  homes: number;
  /** Live temp files of envplane's own writes of secret homes, left out (said in the report). */
  liveTemps: { path: string; pid: number }[];
}

export function worktreePlan(
  candidates: readonly string[],
  storeFiles: ReadonlySet<string>,
  isAlive: (pid: number) => boolean,
): WorktreePlan {
  const unique = [...new Set(candidates.map((p) => p.replace(/^\.\//, '')))].sort();
  const liveTemps: WorktreePlan['liveTemps'] = [];
  const paths = unique.filter((p) => {
    if (isSecretHome(p, storeFiles)) return false;
    if (!p.slice(p.lastIndexOf('/') + 1).startsWith(TEMP_MARK)) return true;
    const pid = storeTempWriter(p, storeFiles);
    if (pid === undefined || !isAlive(pid)) return true;
    liveTemps.push({ path: p, pid });
    return false;
  });
  return { paths, homes: unique.length - paths.length - liveTemps.length, liveTemps };
}

/** `--build-dirs dist,build` → folder names; rejects paths that leave the project. */
export function parseBuildDirs(text: string): string[] | { error: string } {
  const dirs = text
    .split(',')
    .map((d) => d.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  const bad = dirs.find((d) => d.startsWith('/') || d.split('/').includes('..'));
  return bad === undefined ? dirs : { error: `build folder "${bad}" is outside the project` };
}
