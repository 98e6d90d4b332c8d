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

/**
 * A change is logged twice: `intent` (durable before the change becomes visible), then `done` or `failed`. A line
 * without a phase records something that happened as it was written (a delivery, a read). An intent with no outcome
 * after it is a change that was cut short (a crash, a kill): it may or may not have been made.
 */
export type AuditPhase = 'intent' | 'done' | 'failed';
export const AUDIT_PHASES: readonly AuditPhase[] = ['intent', 'done', 'failed'];

export interface AuditEvent {
  command: string;
  action: AuditAction;
  environment?: string;
  instance?: string;
  /** Secret names (`name` or `tenant/name`), never values. */
  secrets: string[];
  phase?: AuditPhase;
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
    ...(event.phase !== undefined ? { phase: event.phase } : {}),
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
    e.secrets.every((s) => typeof s === 'string') &&
    (e.phase === undefined || AUDIT_PHASES.includes(e.phase as AuditPhase));
  return ok ? (e as unknown as AuditEntry) : undefined;
}

/** The head of the chain: how many lines it has, and the hash of the last one (what the next line's `prev` is). */
export interface AuditAnchor {
  lines: number;
  head: string;
}

export function anchorOf(logText: string): AuditAnchor {
  const lines = splitLines(logText);
  return { lines: lines.length, head: lines.length === 0 ? GENESIS : lineHash(lines[lines.length - 1]!) };
}

/** `<lines>:<head>`, the form `audit anchor` prints and `audit verify --anchor` reads. */
export function formatAnchor(anchor: AuditAnchor): string {
  return `${anchor.lines}:${anchor.head}`;
}

export function parseAnchor(text: string): AuditAnchor | undefined {
  const m = /^(\d{1,12}):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { lines: Number(m[1]), head: m[2]! } : undefined;
}

export type AnchorCheck = { ok: true; lag: 0 | 1 } | { ok: false; reason: string };

/**
 * Whether the log still holds the line an anchor names, with the same hash. The log only grows, so an anchor taken
 * at any earlier time must match the line at its count. With `latest` (the anchor envplane keeps in state.json,
 * updated after every append), the log may be at most one line longer: the append that a kill cut off before its
 * anchor was written. A shorter log, or a different line there, means lines were removed or rewritten.
 */
export function checkAnchor(logText: string, anchor: AuditAnchor, latest: boolean): AnchorCheck {
  const lines = splitLines(logText);
  if (anchor.lines > lines.length)
    return {
      ok: false,
      reason: `the anchor records ${anchor.lines} line(s), the log has ${lines.length}: lines were removed from its end`,
    };
  const at = anchor.lines === 0 ? GENESIS : lineHash(lines[anchor.lines - 1]!);
  if (at !== anchor.head)
    return {
      ok: false,
      reason: `line ${anchor.lines} is not the line the anchor records: the log was rewritten up to there`,
    };
  const lag = lines.length - anchor.lines;
  if (!latest) return { ok: true, lag: 0 };
  if (lag > 1)
    return {
      ok: false,
      reason: `the anchor records ${anchor.lines} line(s), the log has ${lines.length}: the anchor was replaced by an older one, or lines were added without envplane`,
    };
  return { ok: true, lag: lag as 0 | 1 };
}

/** Changes whose intent has no outcome after it (cut short): their intent lines, 1-based. */
export function unfinishedIntents(entries: readonly AuditEntry[]): number[] {
  const open = new Map<string, number>();
  for (const [index, e] of entries.entries()) {
    const key = JSON.stringify([e.command, e.action, e.environment, e.instance, e.secrets]);
    if (e.phase === 'intent') open.set(key, index + 1);
    else if (e.phase === 'done' || e.phase === 'failed') open.delete(key);
  }
  return [...open.values()].sort((a, b) => a - b);
}
