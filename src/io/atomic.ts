/**
 * Atomic, private file writes: the rule for every file envplane creates (secret files, exported env files, rendered
 * manifests). Write a temp file in the same directory (same filesystem, so rename is atomic), fsync it, rename it
 * over the target, fsync the directory. Never through a symlink, never wider than `mode` whatever the umask. The
 * directory is opened once and every step goes through that descriptor, so swapping it for a link mid-write is useless.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, lstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { ensureDir, TEMP_MARK } from './dirs.ts';
import { isAlive, unlinkQuietly } from './_leftovers.ts';
import { listDir } from './list.ts';

export interface WriteOptions {
  /** File mode (default 0o600). Applied with fchmod, so the umask cannot widen or narrow it. */
  mode?: number;
  /** Mode of directories created on the way (default 0o700). */
  dirMode?: number;
  /** How the path is shown in errors (default: the path itself). */
  shownAs?: string;
}

export { TEMP_MARK };

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_MARK);
}

/** Whether the writer a temp name names (by pid) is another process that still runs: its write may be under way. */
export function isOtherWriterAlive(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid);
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
  ensureDir(dirname(path), options.dirMode ?? 0o700, shownAs);
  // Every step below goes through the folder opened here, not through its path: a folder swapped for a symbolic
  // link between the check and the write (or the rename) cannot redirect the value elsewhere.
  const folder = pinFolder(dirname(path), shownAs);
  const target = join(folder.path, basename(path));
  // The target's name is only a clue for a human reading the folder: cut short, so that a target whose name is near
  // the file system's limit (255 bytes) still has a temp name that fits beside it.
  const temp = join(
    folder.path,
    `${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}-${basename(path).slice(0, 40)}`,
  );
  let fd: number;
  try {
    refuseNonRegular(target, shownAs);
    // O_EXCL|O_NOFOLLOW: the temp name is fresh, and nobody can have planted a link there.
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    folder.close();
    // A read-only folder (EACCES, EROFS) fails here, before anything exists: a located failure, not an internal error.
    throw error instanceof EnvplaneError ? error : writeError(error, shownAs);
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
    folder.close();
    throw writeError(error, shownAs);
  }
  closeSync(fd);
  let pending = true;
  return {
    commit() {
      if (!pending) throw new Error('a staged write was committed twice or after discard');
      pending = false;
      try {
        refuseNonRegular(target, shownAs);
        renameSync(temp, target);
      } catch (error) {
        unlinkQuietly(temp);
        folder.close();
        throw error instanceof EnvplaneError ? error : writeError(error, shownAs);
      }
      folder.sync();
      folder.close();
    },
    discard() {
      if (!pending) return;
      pending = false;
      unlinkQuietly(temp);
      folder.close();
    },
  };
}

interface PinnedFolder {
  /** A path that names the opened folder itself (`/proc/self/fd/N`), or its own path where /proc is missing. */
  path: string;
  sync(): void;
  close(): void;
}

const PROC_FD = '/proc/self/fd';
let procFd: boolean | undefined;

/**
 * Opens `dir` without following a link in its last part (O_NOFOLLOW), and names it through the open descriptor, as
 * `openat` would: on Linux `/proc/self/fd/N/x` is `x` in the folder that was opened, whatever its path now leads to.
 * Without /proc (macOS) the folder's path is used, as before, after the same no-link check.
 */
function pinFolder(dir: string, shownAs: string): PinnedFolder {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR')
      throw new EnvplaneError('input', `refusing to write through the symbolic link ${dirname(shownAs)}`, {
        location: { file: dirname(shownAs) },
        hint: 'replace the link with a real directory',
      });
    throw writeError(error, shownAs);
  }
  procFd ??= (() => {
    try {
      return lstatSync(PROC_FD).isDirectory();
    } catch {
      return false;
    }
  })();
  let open = true;
  return {
    path: procFd ? `${PROC_FD}/${fd}` : dir,
    sync() {
      try {
        fsyncSync(fd);
      } catch {
        // Some filesystems cannot fsync a directory; the rename itself is still atomic.
      }
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
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
  for (const name of listDir(dir)) {
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
