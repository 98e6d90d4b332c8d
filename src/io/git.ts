/**
 * Git facts from the real `git` (never a re-implementation of .gitignore rules): which files are tracked, which
 * paths are ignored. Paths are project-relative; outside a repository every answer is "not tracked, not ignored".
 */
import { spawnSync } from 'node:child_process';

function git(root: string, args: string[], input?: string): { ok: boolean; stdout: string } {
  const r = spawnSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    input: input ?? '',
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error('git is not installed; envplane needs it for git facts (apt-get install git)');
  return { ok: r.status === 0, stdout: r.stdout ?? '' };
}

export function isGitRepo(root: string): boolean {
  return git(root, ['rev-parse', '--is-inside-work-tree']).stdout.trim() === 'true';
}

/** Tracked files under `root`, relative to it. */
export function trackedFiles(root: string): string[] {
  const r = git(root, ['ls-files', '-z', '--full-name', '--', '.']);
  if (!r.ok) return [];
  const prefix = git(root, ['rev-parse', '--show-prefix']).stdout.trim();
  return r.stdout
    .split('\0')
    .filter(Boolean)
    .map((p) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p));
}

/** Untracked files that git does not ignore, relative to `root`. */
export function untrackedFiles(root: string): string[] {
  const r = git(root, ['ls-files', '-z', '--others', '--exclude-standard', '--', '.']);
  return r.ok ? r.stdout.split('\0').filter(Boolean) : [];
}

export function isTracked(root: string, path: string): boolean {
  return git(root, ['ls-files', '--error-unmatch', '--', path]).ok;
}

/** The subset of `paths` that git ignores (whether or not the files exist). */
export function ignoredPaths(root: string, paths: readonly string[]): Set<string> {
  if (paths.length === 0 || !isGitRepo(root)) return new Set();
  const r = git(root, ['check-ignore', '--no-index', '-z', '--stdin'], `${paths.join('\0')}\0`);
  return new Set(r.stdout.split('\0').filter(Boolean));
}
