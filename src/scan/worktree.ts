/**
 * Which working-tree files a scan reads. A secret's own home is not a leak: the files a `files` store reads, the
 * `.previous` copy `rotate` keeps, temp files of an interrupted atomic write, and envplane's state in `.envplane/`.
 * Everything else is read, `.example` files in the store folder included (a real value there is a leak).
 */

export const DEFAULT_BUILD_DIRS = ['dist', 'build', '.next', 'out'] as const;

const TEMP_MARK = '.envplane-tmp-';
const PREVIOUS_SUFFIX = '.previous';

export function isSecretHome(path: string, storeFiles: ReadonlySet<string>): boolean {
  if (path === '.envplane' || path.startsWith('.envplane/')) return true;
  if (storeFiles.has(path)) return true;
  if (path.endsWith(PREVIOUS_SUFFIX) && storeFiles.has(path.slice(0, -PREVIOUS_SUFFIX.length))) return true;
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.startsWith(TEMP_MARK);
}

/** The distinct paths to read, in a stable order, and how many were left out as secret homes. */
export function worktreePlan(
  candidates: readonly string[],
  storeFiles: ReadonlySet<string>,
): { paths: string[]; homes: number } {
  const unique = [...new Set(candidates.map((p) => p.replace(/^\.\//, '')))].sort();
  const paths = unique.filter((p) => !isSecretHome(p, storeFiles));
  return { paths, homes: unique.length - paths.length };
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
