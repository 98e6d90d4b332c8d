/**
 * The audit log's format: one JSON object per line, each carrying `prev`, the sha256 of the previous line's text
 * (64 zeros for the first), so an edited, removed or reordered line breaks the chain at a line number. Pure.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export type AuditAction =
  | 'read'
  | 'write'
  | 'generate'
  | 'copy'
  | 'rotate'
  | 'rollback'
  | 'deliver'
  | 'export'
  | 'push';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'read',
  'write',
  'generate',
  'copy',
  'rotate',
  'rollback',
  'deliver',
  'export',
  'push',
];

export interface AuditEvent {
  command: string;
  action: AuditAction;
  environment?: string;
  instance?: string;
  /** Secret names (`name` or `tenant/name`), never values. */
  secrets: string[];
}

/** One line as written: the event plus when, who, and the link to the previous line. */
export interface AuditEntry extends AuditEvent {
  time: string;
  user: string;
  prev: string;
}

export const GENESIS = '0'.repeat(64);

/**
 * SHA-256 in JavaScript (@noble/hashes, audited) rather than `node:crypto`: `run` appends a line on every start, and
 * loading `node:crypto` alone costs about 2.6 ms of CPU, more than hashing a few hundred bytes ever will.
 */
export function lineHash(line: string): string {
  return bytesToHex(sha256(utf8ToBytes(line)));
}

/** The text of one line (without its newline); key order is fixed so the same entry always hashes the same. */
export function formatEntry(event: AuditEvent, time: string, user: string, prev: string): string {
  const entry: AuditEntry = {
    time,
    user,
    command: event.command,
    action: event.action,
    ...(event.environment !== undefined ? { environment: event.environment } : {}),
    ...(event.instance !== undefined ? { instance: event.instance } : {}),
    secrets: [...event.secrets],
    prev,
  };
  return JSON.stringify(entry);
}

/** The hash the next line must carry: of the last complete line, or genesis for an empty log. */
export function nextPrev(logText: string): string {
  const lines = splitLines(logText);
  const last = lines[lines.length - 1];
  return last === undefined ? GENESIS : lineHash(last);
}

export interface ChainBreak {
  /** 1-based line number of the first line that does not fit. */
  line: number;
  reason: string;
}

export interface ChainReport {
  entries: AuditEntry[];
  broken?: ChainBreak;
}

/** Checks every link; stops at the first break (a break makes every later line unprovable). */
export function verifyChain(logText: string): ChainReport {
  if (logText !== '' && !logText.endsWith('\n')) {
    // A torn last line (a write cut short) breaks the chain there; the whole lines before it still verify.
    const complete = verifyChain(logText.slice(0, logText.lastIndexOf('\n') + 1));
    if (complete.broken) return complete;
    return {
      entries: complete.entries,
      broken: { line: complete.entries.length + 1, reason: 'the last line is incomplete' },
    };
  }
  const entries: AuditEntry[] = [];
  let expected = GENESIS;
  const lines = splitLines(logText);
  for (const [index, line] of lines.entries()) {
    const entry = parseEntry(line);
    if (entry === undefined) return { entries, broken: { line: index + 1, reason: 'not an audit entry' } };
    if (entry.prev !== expected)
      return {
        entries,
        broken: {
          line: index + 1,
          reason:
            index === 0
              ? 'the first line does not start the chain (lines were removed before it)'
              : `does not follow line ${index}: a line was edited, removed or reordered here`,
        },
      };
    entries.push(entry);
    expected = lineHash(line);
  }
  return { entries };
}

/** Entries as far as they parse, chain or not (for `audit show`). */
export function parseEntries(logText: string): AuditEntry[] {
  return splitLines(logText).flatMap((l) => {
    const e = parseEntry(l);
    return e ? [e] : [];
  });
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function parseEntry(line: string): AuditEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    typeof e.time === 'string' &&
    typeof e.user === 'string' &&
    typeof e.command === 'string' &&
    typeof e.prev === 'string' &&
    AUDIT_ACTIONS.includes(e.action as AuditAction) &&
    Array.isArray(e.secrets) &&
    e.secrets.every((s) => typeof s === 'string');
  return ok ? (e as unknown as AuditEntry) : undefined;
}
