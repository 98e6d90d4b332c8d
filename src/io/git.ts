/**
 * Git facts from the real `git` (never a re-implementation of .gitignore rules): which files are tracked, which
 * paths are ignored. Paths are project-relative; outside a repository every answer is "not tracked, not ignored".
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function git(root: string, args: string[], input?: string): { ok: boolean; status: number | null; stdout: string } {
  const r = spawnSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    input: input ?? '',
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error('git is not installed; envplane needs it for git facts (apt-get install git)');
  return { ok: r.status === 0, status: r.status, stdout: r.stdout ?? '' };
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

/**
 * The subset of `paths` that git ignores (whether or not the files exist). git refuses to answer for a path beyond a
 * symbolic link (a store folder that is a link), and that refusal (exit 128) would leave every other path of the
 * batch unanswered too; such a path is asked by where the link leads instead (`ignoredThroughLink`).
 */
export function ignoredPaths(root: string, paths: readonly string[]): Set<string> {
  if (paths.length === 0 || !isGitRepo(root)) return new Set();
  const linked = paths.filter((p) => beyondSymlink(root, p));
  const asked = linked.length === 0 ? paths : paths.filter((p) => !linked.includes(p));
  const r =
    asked.length === 0
      ? { stdout: '' }
      : git(root, ['check-ignore', '--no-index', '-z', '--stdin'], `${asked.join('\0')}\0`);
  return new Set([...linked.filter((p) => ignoredThroughLink(root, p)), ...r.stdout.split('\0').filter(Boolean)]);
}

/**
 * A path beyond a link, judged where the link leads: inside the repository git could add the file under that real
 * path, so its rules decide; outside it (git: fatal, exit 128) nothing can commit the file, which counts as ignored.
 */
function ignoredThroughLink(root: string, path: string): boolean {
  const real = whereItLeads(join(root, path));
  if (real === undefined) return false;
  const r = git(root, ['check-ignore', '--no-index', '-q', '--', real]);
  return r.status === 0 || r.status === 128;
}

/**
 * The real path of `path`: its deepest existing folder resolved, the parts not made yet (a tenant's folder before
 * setup) appended as written. A missing folder beyond the link is still where the link leads.
 */
function whereItLeads(path: string): string | undefined {
  let folder = dirname(path);
  const rest = [basename(path)];
  for (;;) {
    try {
      return join(realpathSync(folder), ...rest);
    } catch (error) {
      const parent = dirname(folder);
      // A dangling link leads nowhere yet: no answer (as before), rather than a guess under the link's own name.
      const dangling = lstatSync(folder, { throwIfNoEntry: false })?.isSymbolicLink() === true;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dangling || parent === folder) return undefined;
      rest.unshift(basename(folder));
      folder = parent;
    }
  }
}

function beyondSymlink(root: string, path: string): boolean {
  const parts = path.split(/[/\\]/).slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    try {
      if (lstatSync(join(root, ...parts.slice(0, i))).isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}
