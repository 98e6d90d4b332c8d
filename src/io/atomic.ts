/**
 * Atomic, private file writes: the rule for every file envplane creates (secret files, exported env files, rendered
 * manifests). Write a temp file in the same directory (same filesystem, so rename is atomic), fsync it, rename it
 * over the target, fsync the directory. Never through a symlink, never wider than `mode` whatever the umask.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { ensureDir } from './dirs.ts';
import { isAlive, unlinkQuietly } from './_leftovers.ts';

export interface WriteOptions {
  /** File mode (default 0o600). Applied with fchmod, so the umask cannot widen or narrow it. */
  mode?: number;
  /** Mode of directories created on the way (default 0o700). */
  dirMode?: number;
  /** How the path is shown in errors (default: the path itself). */
  shownAs?: string;
}

/** Every temp file envplane writes starts with this; the writer's pid follows, so only a dead writer's are removed. */
export const TEMP_MARK = '.envplane-tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_MARK);
}

export function writeFileAtomic(path: string, contents: string | Uint8Array, options: WriteOptions = {}): void {
  stageFileAtomic(path, contents, options).commit();
}

/** A file written in full beside its target, not yet in place: `commit` puts it there, `discard` removes it. */
export interface StagedWrite {
  /** Renames the temp file over the target (refusing a link planted there meanwhile) and syncs the folder. */
  commit(): void;
  /** Removes the temp file when it was not committed; safe to call more than once. */
  discard(): void;
}

/**
 * The first half of `writeFileAtomic`: the temp file, written, fchmod'ed and fsynced. Every failure that depends on
 * the contents (a full disk, a file-size limit) happens here, before anything visible changes, so a caller with
 * other steps to take (rotate saving `.previous`) can do them only once the new contents are known to be on disk.
 */
export function stageFileAtomic(path: string, contents: string | Uint8Array, options: WriteOptions = {}): StagedWrite {
  const mode = options.mode ?? 0o600;
  const shownAs = options.shownAs ?? path;
  const dir = dirname(path);
  ensureDir(dir, options.dirMode ?? 0o700, shownAs);
  refuseNonRegular(path, shownAs);
  // The target's name is only a clue for a human reading the folder: cut short, so that a target whose name is near
  // the file system's limit (255 bytes) still has a temp name that fits beside it.
  const temp = join(dir, `${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}-${basename(path).slice(0, 40)}`);
  // O_EXCL|O_NOFOLLOW: the temp name is fresh, and nobody can have planted a link there.
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    // A read-only folder (EACCES, EROFS) fails here, before anything exists: a located failure, not an internal error.
    throw writeError(error, shownAs);
  }
  try {
    fchmodSync(fd, mode);
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw writeError(error, shownAs);
  }
  closeSync(fd);
  let pending = true;
  return {
    commit() {
      if (!pending) throw new Error('a staged write was committed twice or after discard');
      pending = false;
      try {
        refuseNonRegular(path, shownAs);
        renameSync(temp, path);
      } catch (error) {
        unlinkQuietly(temp);
        throw error instanceof EnvplaneError ? error : writeError(error, shownAs);
      }
      syncDir(dir);
    },
    discard() {
      if (!pending) return;
      pending = false;
      unlinkQuietly(temp);
    },
  };
}

/**
 * Leftovers of writes that were killed before their rename; called by commands that write into `dir`. A temp file
 * whose writer is still alive is an in-flight write of a concurrent command and stays; one without a readable pid
 * (an older format) is removed once it is an hour old.
 */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!isTempName(name) || !isStale(join(dir, name), name)) continue;
    unlinkQuietly(join(dir, name));
    removed++;
  }
  return removed;
}

function isStale(path: string, name: string): boolean {
  const pid = Number(/^\d+/.exec(name.slice(TEMP_MARK.length))?.[0]);
  if (Number.isInteger(pid) && pid > 0) return pid !== process.pid && !isAlive(pid);
  try {
    return Date.now() - lstatSync(path).mtimeMs > 3_600_000;
  } catch {
    return false;
  }
}

/**
 * Only a regular file (or nothing) may be replaced. A rename replaces whatever sits at the path: a symbolic link would
 * be written through by a later reader, and a device, FIFO or socket (`-o /dev/null`) would be swapped for a plain
 * file, which for root means destroying /dev/null for the whole machine.
 */
function refuseNonRegular(path: string, shownAs: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (stat.isFile()) return;
  if (stat.isSymbolicLink())
    throw new EnvplaneError('input', `refusing to write through the symbolic link ${shownAs}`, {
      location: { file: shownAs },
      hint: 'remove the link; envplane writes real files only',
    });
  const what = stat.isDirectory() ? 'a directory' : 'not a regular file (a device, FIFO or socket)';
  throw new EnvplaneError('input', `refusing to replace ${shownAs}: it is ${what}`, {
    location: { file: shownAs },
    hint: 'name a regular file to write (it is created when missing)',
  });
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself is still atomic.
  }
}

function writeError(error: unknown, shownAs: string): EnvplaneError {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  const hint =
    code === 'ENOSPC'
      ? 'the disk is full; the previous file is unchanged'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `the folder ${dirname(shownAs)} is not writable (permissions, or a read-only file system); the previous file is unchanged`
        : 'the previous file is unchanged';
  return new EnvplaneError('failure', `cannot write ${shownAs}: ${code}`, { location: { file: shownAs }, hint });
}
