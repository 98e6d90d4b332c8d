/**
 * The private directory `envplane run` hands secrets to a child in: on /dev/shm when it can (tmpfs, so values never
 * touch a disk), else the OS temp dir; directory 0700, files 0400, removed when the child is done.
 *
 * A crash of envplane itself (SIGKILL, power loss) cannot run any cleanup, so each directory carries the pid that
 * made it, and the next `run` removes directories whose owner is gone (once its own child has started).
 */
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { isAlive, unlinkQuietly } from './_leftovers.ts';
import { listDir } from './list.ts';

const PREFIX = 'envplane-run-';
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface SecretsDir {
  /** Absolute path of the directory. */
  path: string;
  /** Writes one secret as `<dir>/<name>`, mode 0400; returns its path. */
  write(name: string, value: string): string;
  /**
   * Records the child that reads the directory (its pid and start time, beside the directory, not in it), so that a
   * sweep after envplane was SIGKILLed leaves the directory of a child that still runs alone.
   */
  recordReader(pid: number | undefined): void;
  /** Removes the directory and everything in it; safe to call more than once. */
  remove(): void;
}

const READER_SUFFIX = '.child';

/** /dev/shm when it exists and is writable (memory only), else os.tmpdir(). */
export function secretsBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK | constants.X_OK);
    if (lstatSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    // no /dev/shm (macOS, some containers): fall back to the temp dir
  }
  return tmpdir();
}

export function createSecretsDir(base = secretsBase()): SecretsDir {
  try {
    return makeSecretsDir(base);
  } catch (error) {
    throw folderError(error, base);
  }
}

/** A system error while making or filling the folder, as a located failure (never the value, never "internal"). */
function folderError(error: unknown, where: string): unknown {
  if (error instanceof EnvplaneError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return new EnvplaneError('failure', `cannot write the secrets folder in ${where}: ${code}`, {
    location: { file: where },
    hint:
      code === 'ENOSPC'
        ? 'the memory file system is full; free space in it (df -h /dev/shm) or use --secrets=env'
        : 'check that the folder is writable; nothing was started',
  });
}

function makeSecretsDir(base: string): SecretsDir {
  // mkdtemp picks an unpredictable suffix (from the OS, without loading node:crypto) and creates the directory 0700,
  // failing if the name exists, so nobody can have prepared it for us; the mode is set again below because the
  // umask may have narrowed or (with a default ACL) the filesystem may have widened it.
  const path = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  try {
    const dirFd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      fchmodSync(dirFd, 0o700);
    } finally {
      closeSync(dirFd);
    }
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
  let removed = false;
  let hasReader = false;
  const written: string[] = [];
  const writeOne = (file: string, value: string): string => {
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o400);
    written.push(file);
    try {
      fchmodSync(fd, 0o400);
      const bytes = Buffer.from(value, 'utf8');
      // No fsync: the file lives only as long as the child, on tmpfs when possible; durability buys nothing.
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    } finally {
      closeSync(fd);
    }
    return file;
  };
  return {
    path,
    write(name, value) {
      if (!SAFE_NAME.test(name) || name === '..')
        throw new EnvplaneError('input', `secret name "${name}" cannot be a file name`, {
          hint: 'secret names are letters, digits, `_`, `.` and `-`',
        });
      const file = join(path, name);
      try {
        return writeOne(file, value);
      } catch (error) {
        throw folderError(error, path);
      }
    },
    recordReader(pid) {
      if (pid === undefined || removed) return;
      const started = startTime(pid);
      if (started === undefined) return;
      try {
        const fd = openSync(
          path + READER_SUFFIX,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          writeSync(fd, `${pid} ${started}\n`);
        } finally {
          closeSync(fd);
        }
        hasReader = true;
      } catch {
        // best effort: without it, a sweep after a SIGKILL treats the directory as an orphan, as before
      }
    },
    remove() {
      if (removed) return;
      removed = true;
      if (hasReader) unlinkQuietly(path + READER_SUFFIX);
      // The files we wrote, then the directory; a recursive walk only when the child left files of its own.
      for (const file of written) unlinkQuietly(file);
      try {
        rmdirSync(path);
      } catch {
        rmSync(path, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Removes directories of earlier runs whose envplane process no longer exists (it was SIGKILLed or crashed), unless
 * the child it started still runs and reads them. `run` calls it once its child has started, so the sweep does not
 * delay the start.
 */
export function removeOrphans(base = secretsBase()): void {
  const names = listDir(base);
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    const path = join(base, name);
    try {
      // Only our own directories: in a shared /tmp another user's name could collide with the pattern.
      const stat = lstatSync(path);
      if (stat.uid !== process.getuid?.()) continue;
      if (name.endsWith(READER_SUFFIX)) {
        // The record of a directory that is gone already.
        if (stat.isFile() && !names.includes(name.slice(0, -READER_SUFFIX.length))) unlinkQuietly(path);
        continue;
      }
      if (!stat.isDirectory() || readerRuns(path + READER_SUFFIX)) continue;
      rmSync(path, { recursive: true, force: true });
      unlinkQuietly(path + READER_SUFFIX);
    } catch {
      // raced with another run's cleanup, or not ours to remove
    }
  }
}

/** Whether the child recorded in `file` still runs: the same pid with the same start time (not a reused pid). */
function readerRuns(file: string): boolean {
  let text: string;
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const [pid, started] = text.trim().split(' ');
  return pid !== undefined && started !== undefined && startTime(Number(pid)) === started;
}

/**
 * A running process's start time in clock ticks since boot (/proc/<pid>/stat field 22), which tells a reused pid
 * apart; undefined when there is no such process.
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis. A
    // zombie (ended, not yet reaped) runs no more.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}
