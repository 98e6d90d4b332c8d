/**
 * Rendering `check` results: grouped, coloured text for people; JSON for scripts; SARIF 2.1.0 for code scanning.
 * Problems carry names, paths and positions only, so every format is safe to print and upload.
 */
import { formatLocation } from '../errors.ts';
import type { CheckResult, SilencedProblem } from '../rules/index.ts';
import type { AnyRule, Problem, Severity } from '../rules/types.ts';
import { style } from './_style.ts';

export interface Summary {
  errors: number;
  warnings: number;
  infos: number;
  silenced: number;
}

export function summarize(result: CheckResult): Summary {
  const count = (s: Severity) => result.problems.filter((p) => p.severity === s).length;
  return { errors: count('error'), warnings: count('warning'), infos: count('info'), silenced: result.silenced.length };
}

/** The documented shape of `envplane check --json`. */
export function reportJson(result: CheckResult, failed: boolean): string {
  return `${JSON.stringify({ ok: !failed, summary: summarize(result), problems: result.problems, silenced: result.silenced }, null, 2)}\n`;
}

const SEVERITY_STYLE: Record<Severity, (t: string) => string> = {
  error: style.red,
  warning: style.yellow,
  info: style.cyan,
};

function problemLines(p: Problem, withFile: boolean): string[] {
  const where = p.location
    ? withFile
      ? formatLocation(p.location)
      : [p.location.line, p.location.column].filter((n) => n !== undefined).join(':') || '-'
    : '-';
  const related = p.related?.length ? style.dim(` (also ${p.related.map(formatLocation).join(', ')})`) : '';
  return [
    `  ${where.padEnd(withFile ? 0 : 6)} ${SEVERITY_STYLE[p.severity](p.severity.padEnd(7))} ${p.message}${related}  ${style.dim(p.rule)}`,
    `  ${' '.repeat(withFile ? 0 : 6)} ${style.dim(`hint: ${p.hint}`)}`,
  ];
}

/** Text grouped by file (the default: fix one file at a time) or by rule (fix one kind of problem at a time). */
export function reportText(result: CheckResult, groupBy: 'file' | 'rule'): string {
  const lines: string[] = [];
  const groups = new Map<string, Problem[]>();
  for (const p of result.problems) {
    const k = groupBy === 'file' ? (p.location?.file ?? '(project)') : `${p.rule}: ${p.title}`;
    // Appended in place: copying the group for each problem made a file with 40 000 unused keys take minutes.
    const group = groups.get(k);
    if (group) group.push(p);
    else groups.set(k, [p]);
  }
  for (const [name, problems] of groups) {
    lines.push(style.bold(name));
    for (const p of problems) lines.push(...problemLines(p, groupBy === 'rule'));
    lines.push('');
  }
  if (result.silenced.length > 0) {
    lines.push(style.dim(`silenced (${result.silenced.length}):`));
    for (const s of result.silenced) lines.push(style.dim(`  ${s.rule}: ${s.message} — ${s.reason}`));
    lines.push('');
  }
  const s = summarize(result);
  const counts = [
    `${s.errors} error${s.errors === 1 ? '' : 's'}`,
    `${s.warnings} warning${s.warnings === 1 ? '' : 's'}`,
    ...(s.infos ? [`${s.infos} info`] : []),
    ...(s.silenced ? [`${s.silenced} silenced`] : []),
  ].join(', ');
  lines.push(result.problems.length === 0 ? style.green(`✓ no problems (${counts})`) : counts);
  return `${lines.join('\n')}\n`;
}

const LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

function sarifLocation(l: { file: string; line?: number; column?: number }) {
  return {
    physicalLocation: {
      artifactLocation: { uri: l.file, uriBaseId: '%SRCROOT%' },
      ...(l.line !== undefined
        ? { region: { startLine: l.line, ...(l.column !== undefined ? { startColumn: l.column } : {}) } }
        : {}),
    },
  };
}

/** SARIF 2.1.0, as GitHub code scanning reads it; silenced problems are results with a suppression. */
export function reportSarif(result: CheckResult, rules: readonly AnyRule[], manifestFile: string): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const toResult = (p: Problem | SilencedProblem) => ({
    ruleId: p.rule,
    ruleIndex: index.get(p.rule) ?? -1,
    level: LEVEL[p.severity],
    message: { text: `${p.message}. Hint: ${p.hint}` },
    // Code scanning needs a location on every result; findings about the project as a whole point at the manifest.
    locations: [sarifLocation(p.location ?? { file: manifestFile, line: 1 })],
    ...(p.related?.length ? { relatedLocations: p.related.map((l, id) => ({ id, ...sarifLocation(l) })) } : {}),
    ...('reason' in p ? { suppressions: [{ kind: 'inSource', justification: p.reason }] } : {}),
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'envplane',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.why },
              help: { text: r.hint, markdown: `${r.why}\n\n**Fix:** ${r.hint}\n\nSee docs/rules/${r.id}.md` },
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        results: [...result.problems.map(toResult), ...result.silenced.map(toResult)],
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
