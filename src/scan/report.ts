/**
 * What `envplane scan` found, as data (the `--json` shape) and as text. Findings name secrets and places, never a
 * value or the matched text.
 */
import type { Encoding } from './encodings.ts';
import type { SecretOwner } from './known.ts';
import { PATTERN_DESCRIPTIONS, type PatternId } from './patterns.ts';

export type ScanMode = 'worktree' | 'staged' | 'history';

export interface Place {
  file: string;
  line: number;
  column: number;
  /** History scans: the commit that first added the blob (absent when only a merge introduced it). */
  commit?: string;
}

export interface ValueFinding extends Place {
  /** Everyone who holds the value (one value may serve several environments or tenants). */
  secrets: SecretOwner[];
  encoding: Encoding;
}

export interface PatternFinding extends Place {
  pattern: PatternId;
}

export interface ScanReport {
  mode: ScanMode;
  /** Known values outside their home: errors. */
  leaks: ValueFinding[];
  /** Secret-shaped strings: warnings. */
  warnings: PatternFinding[];
  /** Known values on the config-layer line that defines them (`envplane check` reports those): information. */
  homes: ValueFinding[];
  /** Files passed over: too large, unreadable. */
  notices: { file: string; reason: string; size?: number; blob?: string }[];
  stats: {
    files: number;
    bytes: number;
    /** Distinct values searched for. */
    knownValues: number;
    /** Values shorter than the minimum length, not searched. */
    skippedShort: number;
    /** Secret locations without a readable value (external store, not created yet). */
    withoutValue: number;
  };
}

const ENCODING_TEXT: Record<Encoding, string> = {
  literal: 'as is',
  json: 'JSON-escaped',
  url: 'URL-encoded',
  base64: 'base64-encoded',
  base64url: 'URL-safe base64-encoded',
};

export function ownersText(owners: readonly SecretOwner[]): string {
  return owners
    .map((o) => `${o.name}${o.tenant ? `@${o.tenant}` : ''} (${o.environment})`)
    .filter((t, i, all) => all.indexOf(t) === i)
    .join(', ');
}

function placeText(p: Place): string {
  return `${p.file}:${p.line}:${p.column}${p.commit ? ` in commit ${p.commit.slice(0, 12)}` : ''}`;
}

export interface TextStyle {
  red: (t: string) => string;
  yellow: (t: string) => string;
  dim: (t: string) => string;
  bold: (t: string) => string;
}

export function reportText(report: ScanReport, style: TextStyle, strict: boolean): string {
  const lines: string[] = [];
  for (const f of report.leaks)
    lines.push(
      `${style.red('error')} ${placeText(f)}: value of ${style.bold(ownersText(f.secrets))} (${ENCODING_TEXT[f.encoding]})`,
    );
  for (const w of report.warnings)
    lines.push(
      `${strict ? style.red('error') : style.yellow('warning')} ${placeText(w)}: ${PATTERN_DESCRIPTIONS[w.pattern]} (${w.pattern})`,
    );
  for (const h of report.homes)
    lines.push(
      `${style.dim('info')} ${placeText(h)}: value of ${ownersText(h.secrets)} in its config layer ${style.dim('(a secret in a config file: see envplane check)')}`,
    );
  for (const n of report.notices)
    lines.push(
      `${style.dim('notice')} ${n.file}${n.blob ? ` (blob ${n.blob.slice(0, 12)})` : ''}: not scanned, ${n.reason}`,
    );
  const s = report.stats;
  const mb = (s.bytes / 1e6).toFixed(1);
  const what = { worktree: 'files', staged: 'staged files', history: 'blobs in the history' }[report.mode];
  lines.push(
    `${report.leaks.length === 0 ? 'no known secret value found' : style.red(`${report.leaks.length} place(s) hold a known secret value`)}` +
      `; ${report.warnings.length} secret-shaped string(s); scanned ${s.files} ${what} (${mb} MB) for ${s.knownValues} known value(s)` +
      (s.skippedShort > 0 ? `; ${s.skippedShort} value(s) shorter than 8 characters not searched` : '') +
      (s.withoutValue > 0 ? `; ${s.withoutValue} secret location(s) without a readable value` : ''),
  );
  if (report.leaks.length > 0)
    lines.push(
      style.dim(
        report.mode === 'worktree'
          ? 'hint: remove the value from those files (and rotate it if it was ever committed or shipped: envplane rotate)'
          : report.mode === 'staged'
            ? 'hint: unstage the value (git restore --staged <file>) and keep it in the secret store'
            : 'hint: rotate every value found in the history (envplane rotate); rewriting history does not unpublish it',
      ),
    );
  return `${lines.join('\n')}\n`;
}

export function reportJson(report: ScanReport) {
  const place = (p: Place) => ({ file: p.file, line: p.line, column: p.column, commit: p.commit ?? null });
  const owner = (o: SecretOwner) => ({ name: o.name, environment: o.environment, tenant: o.tenant ?? null });
  return {
    mode: report.mode,
    leaks: report.leaks.map((f) => ({ ...place(f), secrets: f.secrets.map(owner), encoding: f.encoding })),
    warnings: report.warnings.map((w) => ({
      ...place(w),
      pattern: w.pattern,
      description: PATTERN_DESCRIPTIONS[w.pattern],
    })),
    homes: report.homes.map((h) => ({ ...place(h), secrets: h.secrets.map(owner) })),
    notices: report.notices.map((n) => ({
      file: n.file,
      reason: n.reason,
      size: n.size ?? null,
      blob: n.blob ?? null,
    })),
    stats: report.stats,
  };
}
