/**
 * A project-wide lock for commands that write secret files, state or the audit log, so two concurrent `setup` or
 * `rotate` runs cannot lose an update. An O_EXCL lock file holds the owner's pid; a lock whose owner is dead (killed
 * mid-run) is stale and broken; waiting is bounded. Re-entrant within one process (a locked command appends audit).
 */
import {
  closeSync,
  constants,
  fchmodSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { ensureDir } from './dirs.ts';

export const STATE_DIR = '.envplane';
const LOCK_FILE = 'lock';
/** A lock file still empty after this long belongs to a process killed between create and write. */
const EMPTY_GRACE_MS = 2_000;

export interface LockOptions {
  /** How long to wait for another run to finish (default 15 s, or ENVPLANE_LOCK_TIMEOUT_MS). */
  timeoutMs?: number;
}

const held = new Map<string, number>();

/** Runs `fn` holding `<root>/.envplane/lock`. */
export function withLock<T>(root: string, fn: () => T, options: LockOptions = {}): T {
  const path = join(root, STATE_DIR, LOCK_FILE);
  const depth = held.get(path) ?? 0;
  if (depth === 0) acquire(path, options.timeoutMs ?? defaultTimeout());
  held.set(path, depth + 1);
  try {
    return fn();
  } finally {
    if (depth === 0) {
      held.delete(path);
      release(path);
    } else held.set(path, depth);
  }
}

function defaultTimeout(): number {
  const fromEnv = Number(process.env.ENVPLANE_LOCK_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 15_000;
}

function acquire(path: string, timeoutMs: number): void {
  try {
    ensureDir(dirname(path), 0o700, `${STATE_DIR}/${LOCK_FILE}`);
  } catch (error) {
    if (error instanceof EnvplaneError) throw error;
    throw new EnvplaneError('failure', `cannot create ${STATE_DIR}/: ${code(error)}`, {
      location: { file: STATE_DIR },
      hint: 'envplane keeps its lock, state and audit log there; the project folder must be writable',
    });
  }
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  for (;;) {
    if (tryCreate(path)) return;
    breakIfStale(path);
    if (Date.now() > deadline) {
      const owner = ownerPid(path);
      throw new EnvplaneError(
        'failure',
        `another envplane run holds the project lock${owner ? ` (pid ${owner})` : ''}`,
        {
          location: { file: `${STATE_DIR}/${LOCK_FILE}` },
          hint: 'wait for it to finish; if no envplane is running, delete the lock file',
        },
      );
    }
    sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 50);
  }
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new EnvplaneError('failure', `cannot create the lock ${STATE_DIR}/${LOCK_FILE}: ${code(error)}`);
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}\n`);
  } catch (error) {
    // A full disk (ENOSPC) or a size limit: the lock we just created is ours to remove, so no run waits on it.
    closeSync(fd);
    unlinkSync(path);
    throw new EnvplaneError('failure', `cannot write the lock ${STATE_DIR}/${LOCK_FILE}: ${code(error)}`, {
      location: { file: `${STATE_DIR}/${LOCK_FILE}` },
      hint: code(error) === 'ENOSPC' ? 'the disk is full; nothing was changed' : 'nothing was changed',
    });
  }
  closeSync(fd);
  return true;
}

/**
 * A lock is stale when its pid is not alive, or when it stayed empty past the grace time. It is moved aside (rename
 * is atomic) rather than deleted; if what was moved is not the file judged stale, another run took the lock in
 * between, and the file is linked back (link fails rather than replace a newer lock).
 */
function breakIfStale(path: string): void {
  let ino: number;
  let mtime: number;
  try {
    const st = statSync(path);
    ino = st.ino;
    mtime = st.mtimeMs;
  } catch {
    return;
  }
  const owner = readOwner(path);
  const stale = owner === undefined ? Date.now() - mtime > EMPTY_GRACE_MS : !alive(owner, path);
  if (!stale) return;
  // Unique per breaker (our pid) and attempt; it lives in our own 0700 state folder, so it need not be unguessable.
  const aside = `${path}.stale-${process.pid}-${Date.now().toString(36)}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  try {
    if (statSync(aside).ino !== ino) linkSync(aside, path);
  } catch {
    // A newer lock exists already; the one we moved was not ours to break, and its owner still sees it held.
  }
  try {
    unlinkSync(aside);
  } catch {
    // gone
  }
}

interface Owner {
  pid: number;
  /** The owner's start time (Linux `/proc/<pid>/stat`), so a recycled pid is not taken for the owner. */
  started?: string;
}

function readOwner(path: string): Owner | undefined {
  try {
    const [pidText, started] = readFileSync(path, 'utf8').trim().split(' ');
    const pid = Number.parseInt(pidText ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return started ? { pid, started } : { pid };
  } catch {
    return undefined;
  }
}

function ownerPid(path: string): number | undefined {
  return readOwner(path)?.pid;
}

function alive(owner: Owner, path: string): boolean {
  // Our own pid on a lock this process does not hold: a previous process with the same pid (pid reuse) left it.
  if (owner.pid === process.pid) return held.has(path);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Pids are recycled quickly on busy machines (pid_max is often 32768): a live process that started at another
  // time than the lock's owner is someone else.
  const now = startTime(owner.pid);
  return owner.started === undefined || now === undefined || now === owner.started;
}

/** A process's start time in clock ticks since boot (Linux); undefined where /proc is not there. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22 of the line.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function release(path: string): void {
  try {
    if (ownerPid(path) === process.pid) unlinkSync(path);
  } catch {
    // already gone
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unknown error';
}
