/**
 * Appending to and reading `<root>/.envplane/audit.log`. Every command that reads or writes secret values appends
 * one hash-chained line (names, never values). Appends happen under the project lock, as one O_APPEND write.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { unlinkQuietly } from '../io/_leftovers.ts';
import { ensureDir, TEMP_MARK } from '../io/dirs.ts';
import { STATE_DIR, withLock } from '../io/lock.ts';
import { readTextIfExists } from '../io/read.ts';
import { type AuditAnchor, type AuditEvent, formatEntry, lineHash, nextPrev } from './chain.ts';

export type { AuditAction, AuditAnchor, AuditEntry, AuditEvent } from './chain.ts';

export const AUDIT_LOG = `${STATE_DIR}/audit.log`;

/**
 * Appends one hash-chained JSON line to <root>/.envplane/audit.log (0600, dir 0700), then records the chain's new head
 * (line count and hash) in .envplane/state.json: an anchor outside the log, so that removing its last lines, or the
 * whole log, shows in `audit verify`. A kill between the two leaves the anchor one line behind, which verify accepts.
 * Never a value. A failure is a located error naming the file, and leaves the log as it was (a short write is cut off
 * again), so a caller that appends before a change can leave everything unchanged.
 */
export function appendAudit(root: string, event: AuditEvent): void {
  withLock(root, () => {
    const path = join(root, AUDIT_LOG);
    ensureDir(join(root, STATE_DIR), 0o700, AUDIT_LOG);
    let tail: string;
    try {
      tail = readTail(path);
    } catch (error) {
      throw auditError('read', error);
    }
    const entry = formatEntry(event, new Date().toISOString(), currentUser(), nextPrev(tail));
    // A torn last line (a crash mid-write, or an edit) stays as it is for `verify` to report; the new line starts on
    // a line of its own rather than being glued to it.
    const line = `${tail.endsWith('\n') || tail === '' ? '' : '\n'}${entry}\n`;
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    } catch (error) {
      throw auditError('open', error);
    }
    let size = 0;
    try {
      // Never wider than 0600, whatever created it; a narrower mode the user chose stays.
      const stat = fstatSync(fd);
      size = stat.size;
      const mode = stat.mode & 0o777;
      if (mode & 0o077) fchmodSync(fd, mode & 0o600);
      const bytes = Buffer.from(line, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } catch (error) {
      // A short write (a file-size limit: EFBIG after part of the line, a full disk) is cut off again, so the log
      // never ends in half a line that a later append would have to step around.
      try {
        ftruncateSync(fd, size);
      } catch {
        // the error below is the one to report
      }
      closeSync(fd);
      throw auditError('write', error);
    }
    // The line is durable; its anchor follows. If the anchor cannot be written, the line is taken back too, so that
    // a failed append leaves the log and state.json as they were (and a change that needed it does not happen).
    try {
      writeAnchor(root, tail, size, entry);
    } catch (error) {
      try {
        ftruncateSync(fd, size);
        fsyncSync(fd);
      } catch {
        // the anchor then lags one line behind, which verify accepts
      }
      throw error;
    } finally {
      closeSync(fd);
    }
  });
}

function auditError(what: 'open' | 'read' | 'write', error: unknown): EnvplaneError {
  if (error instanceof EnvplaneError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return new EnvplaneError('failure', `cannot ${what} ${AUDIT_LOG}: ${code}`, {
    location: { file: AUDIT_LOG },
    hint:
      code === 'ELOOP'
        ? 'the audit log must not be a symbolic link'
        : code === 'EFBIG'
          ? 'the log is larger than the file-size limit (ulimit -f); nothing was changed'
          : code === 'ENOSPC' || code === 'EDQUOT'
            ? 'the disk is full; nothing was changed'
            : 'nothing was changed; check that .envplane/ is writable',
  });
}

/** Where the anchor lives: beside the rotation times (the state file's `audit` field). */
const STATE_FILE = `${STATE_DIR}/state.json`;

interface StateWithAnchor {
  audit?: AuditAnchor;
  [field: string]: unknown;
}

/**
 * Records the head after an append: the previous anchor plus one when it named the line before this one (the usual
 * case, no need to read the log), else a count of the whole log (the first append by this version, or after a lag).
 * A state file that is not JSON is left for `check`/`rotate` to report and gets no anchor.
 */
function writeAnchor(root: string, tail: string, sizeBefore: number, entry: string): void {
  const path = join(root, STATE_FILE);
  const text = readTextIfExists(path, STATE_FILE, { noFollow: true });
  let state: StateWithAnchor = { version: 1, secrets: {} };
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      state = parsed as StateWithAnchor;
    } catch {
      return;
    }
  }
  const before = state.audit;
  const previousHead = nextPrev(tail);
  const linesBefore =
    sizeBefore === 0
      ? 0
      : before && typeof before.lines === 'number' && before.head === previousHead
        ? before.lines
        : countLines(root);
  state.audit = { lines: linesBefore + 1, head: lineHash(entry) };
  writePrivateFile(join(root, STATE_DIR), 'state.json', `${JSON.stringify(state, null, 2)}\n`, STATE_FILE);
}

/** Complete lines in the log before the one just appended. */
function countLines(root: string): number {
  const text = readAuditText(root);
  let n = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) n++;
  return Math.max(0, n - 1);
}

/**
 * The state file written atomically (temp, fsync, rename, folder fsync) without `io/atomic.ts`, whose random temp
 * names load `node:crypto`: this runs on every `run`. The folder is envplane's own (0700), the lock is held, and the
 * temp name carries this pid, so it is unique without randomness; O_EXCL|O_NOFOLLOW refuse anything planted there.
 */
function writePrivateFile(dir: string, name: string, contents: string, shownAs: string): void {
  const temp = join(dir, `${TEMP_MARK}${process.pid}-audit-${name}`);
  const fail = (error: unknown) => {
    unlinkQuietly(temp);
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return new EnvplaneError('failure', `cannot write ${shownAs}: ${code}`, {
      location: { file: shownAs },
      hint:
        code === 'ENOSPC' || code === 'EDQUOT'
          ? 'the disk is full; the audit line was taken back and nothing was changed'
          : 'the audit line was taken back and nothing was changed; check that .envplane/ is writable',
    });
  };
  unlinkQuietly(temp);
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      fchmodSync(fd, 0o600);
      const bytes = Buffer.from(contents, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (lstatSync(join(dir, name), { throwIfNoEntry: false })?.isSymbolicLink())
      throw Object.assign(new Error('link'), { code: 'ELOOP' });
    renameSync(temp, join(dir, name));
  } catch (error) {
    throw fail(error);
  }
  try {
    const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // the rename is done; a folder that cannot be synced (some file systems) keeps it all the same
  }
}

/**
 * A change with its audit lines around it: an `intent` line for each event, durable before `change` runs (if one
 * cannot be written, `change` never runs: nothing changed), then `done` lines, or `failed` lines when `change`
 * throws. So the log never claims a change that did not happen (a failure is followed by `failed`), nor misses one
 * that did (its intent is on disk first). When the outcome cannot be written after a change was made, the command
 * fails naming the log, and the intent line stays as the record of a change that may have happened.
 */
export function withAudit<T>(root: string, events: readonly AuditEvent[], change: () => T): T {
  // Nothing to audit: no lock either (an export without values must not create .envplane/).
  if (events.length === 0) return change();
  return withLock(root, () => {
    for (const event of events) appendAudit(root, { ...event, phase: 'intent' });
    let result: T;
    try {
      result = change();
    } catch (error) {
      try {
        for (const event of events) appendAudit(root, { ...event, phase: 'failed' });
      } catch {
        // The intent line stands alone: a change that may not have been made. The first error is the one to report.
      }
      throw error;
    }
    try {
      for (const event of events) appendAudit(root, { ...event, phase: 'done' });
    } catch (error) {
      const reason = error instanceof EnvplaneError ? error.message : 'unknown error';
      throw new EnvplaneError('failure', `the change was made, but its audit outcome line was not: ${reason}`, {
        location: { file: AUDIT_LOG },
        hint: 'the intent line before it records the change; `envplane audit verify` lists it as unfinished',
      });
    }
    return result;
  });
}

/** The log's bytes (empty when there is none yet), for `verify`, which must judge a byte that is not UTF-8. */
export function readAuditBytes(root: string): Buffer {
  try {
    const fd = openSync(join(root, AUDIT_LOG), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile())
        throw new EnvplaneError('input', `${AUDIT_LOG} is not a regular file`, { location: { file: AUDIT_LOG } });
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof EnvplaneError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    if (code === 'ENOENT') return Buffer.alloc(0);
    throw new EnvplaneError('failure', `cannot read ${AUDIT_LOG}: ${code}`, {
      location: { file: AUDIT_LOG },
      hint: code === 'ELOOP' ? 'the audit log must not be a symbolic link' : 'check that .envplane/ is readable',
    });
  }
}

/** The log's text ('' when there is none yet). */
export function readAuditText(root: string): string {
  return readTextIfExists(join(root, AUDIT_LOG), AUDIT_LOG) ?? '';
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid still says who.
    return process.env.USER ?? `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * The end of the log, from the start of its last complete line: appends stay cheap however long the log grows.
 * Strict UTF-8 is not needed here (only the last line is hashed, as bytes decoded the same way `verify` decodes).
 */
function readTail(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new EnvplaneError('failure', `cannot read ${AUDIT_LOG}: ${(error as NodeJS.ErrnoException).code}`, {
      location: { file: AUDIT_LOG },
      hint: 'the audit log must be a regular file, not a symbolic link',
    });
  }
  try {
    const size = fstatSync(fd).size;
    for (let chunk = 64 * 1024; ; chunk *= 4) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.alloc(size - start);
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, start + read);
        if (n === 0) break;
        read += n;
      }
      const text = buffer.subarray(0, read).toString('utf8');
      // Keep from the line before the last newline-terminated line, so the last complete line is whole.
      const body = text.endsWith('\n') ? text.slice(0, -1) : text;
      const cut = body.lastIndexOf('\n');
      if (start === 0) return text;
      if (cut !== -1) return text.slice(cut + 1);
    }
  } finally {
    closeSync(fd);
  }
}

/** The anchor envplane keeps in state.json (undefined when there is none, or the file is not JSON). */
export function readStoredAnchor(root: string): AuditAnchor | undefined {
  const text = readTextIfExists(join(root, STATE_FILE), STATE_FILE, { noFollow: true });
  if (text === undefined) return undefined;
  try {
    const audit = (JSON.parse(text) as StateWithAnchor | null)?.audit;
    return audit && typeof audit.lines === 'number' && typeof audit.head === 'string' ? audit : undefined;
  } catch {
    return undefined;
  }
}
