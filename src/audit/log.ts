/**
 * Appending to and reading `<root>/.envplane/audit.log`. Every command that reads or writes secret values appends
 * one hash-chained line (names, never values). Appends happen under the project lock, as one O_APPEND write.
 */
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { ensureDir } from '../io/dirs.ts';
import { STATE_DIR, withLock } from '../io/lock.ts';
import { readTextIfExists } from '../io/read.ts';
import { type AuditEvent, formatEntry, nextPrev } from './chain.ts';

export type { AuditAction, AuditEntry, AuditEvent } from './chain.ts';

export const AUDIT_LOG = `${STATE_DIR}/audit.log`;

/** Appends one hash-chained JSON line to <root>/.envplane/audit.log (0600, dir 0700). Never a value. */
export function appendAudit(root: string, event: AuditEvent): void {
  withLock(root, () => {
    const path = join(root, AUDIT_LOG);
    ensureDir(join(root, STATE_DIR), 0o700, AUDIT_LOG);
    const tail = readTail(path);
    // A torn last line (a crash mid-write, or an edit) stays as it is for `verify` to report; the new line starts on
    // a line of its own rather than being glued to it.
    const line = `${tail.endsWith('\n') || tail === '' ? '' : '\n'}${formatEntry(event, new Date().toISOString(), currentUser(), nextPrev(tail))}\n`;
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    } catch (error) {
      throw new EnvplaneError('failure', `cannot open ${AUDIT_LOG}: ${(error as NodeJS.ErrnoException).code}`, {
        location: { file: AUDIT_LOG },
        hint: (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'the audit log must not be a symbolic link' : '',
      });
    }
    try {
      // Never wider than 0600, whatever created it; a narrower mode the user chose stays.
      const mode = fstatSync(fd).mode & 0o777;
      if (mode & 0o077) fchmodSync(fd, mode & 0o600);
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
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
