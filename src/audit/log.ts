/**
 * Appending to and reading `<root>/.envplane/audit.log`. Every command that reads or writes secret values appends
 * one hash-chained line (names, never values). Appends happen under the project lock, as one O_APPEND write.
 */
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { ensureDir } from '../io/atomic.ts';
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
    const prev = nextPrev(readAuditText(root));
    const line = `${formatEntry(event, new Date().toISOString(), currentUser(), prev)}\n`;
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
