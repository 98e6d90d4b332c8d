import { defineCommand } from 'citty';
import {
  type AuditAnchor,
  type AuditEntry,
  anchorOf,
  checkAnchor,
  formatAnchor,
  parseAnchor,
  parseEntries,
  unfinishedIntents,
  verifyChain,
} from '../../audit/chain.ts';
import { AUDIT_LOG, readAuditBytes, readAuditText, readStoredAnchor } from '../../audit/log.ts';
import { EnvplaneError } from '../../errors.ts';
import { findProjectRoot } from '../../project/load.ts';
import { dirArg, jsonArg } from '../_args.ts';
import { invalidFlagValue } from '../_flags.ts';
import { EXIT } from '../_fail.ts';
import { style } from '../_style.ts';

export default defineCommand({
  meta: {
    name: 'audit',
    description: 'Show the audit trail of secret reads and writes, or verify its hash chain',
  },
  args: {
    action: {
      type: 'positional',
      description:
        '`show` (the default) lists recent entries; `verify` checks that no line was edited, removed or reordered; `anchor` prints the head to keep elsewhere',
      required: false,
    },
    limit: {
      type: 'string',
      description: 'How many recent entries `show` lists (default: 20; 0 for all)',
      valueHint: 'n',
    },
    anchor: {
      type: 'string',
      description:
        'For `verify`: an anchor printed earlier by `envplane audit anchor` (<lines>:<sha256>), kept outside the project',
      valueHint: 'lines:hash',
    },
    ...jsonArg,
    ...dirArg,
  },
  run({ args }) {
    const action = args.action ?? 'show';
    if (action !== 'show' && action !== 'verify' && action !== 'anchor')
      throw new EnvplaneError('usage', `unknown audit action "${action}"`, {
        hint: 'use `envplane audit show`, `envplane audit verify` or `envplane audit anchor`',
      });
    const external = args.anchor === undefined ? undefined : parseAnchor(args.anchor);
    if (args.anchor !== undefined && (external === undefined || action !== 'verify'))
      throw invalidFlagValue(
        'anchor',
        'what `envplane audit anchor` printed (<lines>:<sha256>), with `verify`',
        'e.g. envplane audit verify --anchor 42:9f86…',
      );
    const root = findProjectRoot(args.dir ?? process.cwd());
    if (action === 'show') return show(readAuditText(root), Boolean(args.json), limitOf(args.limit));
    // Verify and anchor read bytes: a byte that is not UTF-8 is tampering at a line, not a malformed input file.
    const { text, badLine } = decodeLog(readAuditBytes(root));
    return action === 'anchor'
      ? anchor(text, badLine, Boolean(args.json))
      : verify(text, badLine, readStoredAnchor(root), external, Boolean(args.json));
  },
});

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The log as text, cut before the first line that is not valid UTF-8 (that line's number is returned). */
function decodeLog(bytes: Buffer): { text: string; badLine?: number } {
  try {
    return { text: strictUtf8.decode(bytes) };
  } catch {
    let start = 0;
    for (let line = 1; start < bytes.length; line++) {
      const end = bytes.indexOf(10, start);
      const stop = end === -1 ? bytes.length : end + 1;
      try {
        strictUtf8.decode(bytes.subarray(start, stop));
      } catch {
        return { text: bytes.subarray(0, start).toString('utf8'), badLine: line };
      }
      start = stop;
    }
    return { text: bytes.toString('utf8') };
  }
}

function anchor(text: string, badLine: number | undefined, json: boolean): number {
  const report = verifyChain(text);
  const broken = report.broken ?? (badLine !== undefined ? { line: badLine, reason: 'not valid UTF-8' } : undefined);
  if (broken) {
    process.stderr.write(
      `${style.red('broken')}: ${AUDIT_LOG}:${broken.line}: ${broken.reason}\n  no anchor is printed for a log whose chain is broken\n`,
    );
    return EXIT.problems;
  }
  const head = anchorOf(text);
  if (json) process.stdout.write(`${JSON.stringify({ ...head, anchor: formatAnchor(head) }, null, 2)}\n`);
  else
    process.stdout.write(
      `${formatAnchor(head)}\n${style.dim(`  keep it outside the project (a CI log, a commit message); later: envplane audit verify --anchor ${formatAnchor(head)}`)}\n`,
    );
  return EXIT.ok;
}

function limitOf(written: string | undefined): number {
  if (written === undefined) return 20;
  if (!/^\d+$/.test(written)) throw invalidFlagValue('limit', 'a whole number', 'e.g. --limit 50');
  return Number(written);
}

function verify(
  text: string,
  badLine: number | undefined,
  stored: AuditAnchor | undefined,
  external: AuditAnchor | undefined,
  json: boolean,
): number {
  const report = verifyChain(text);
  let broken = report.broken;
  if (!broken && badLine !== undefined) broken = { line: badLine, reason: 'not valid UTF-8: the line was altered' };
  const checked: { anchor: 'state' | 'given'; ok: boolean; reason?: string; lag?: number }[] = [];
  if (!broken) {
    for (const [kind, a] of [
      ['state', stored],
      ['given', external],
    ] as const) {
      if (a === undefined) continue;
      const c = checkAnchor(text, a, kind === 'state');
      checked.push(c.ok ? { anchor: kind, ok: true, lag: c.lag } : { anchor: kind, ok: false, reason: c.reason });
    }
  }
  const tail = checked.find((c) => !c.ok);
  const unfinished = broken ? [] : unfinishedIntents(report.entries);
  const ok = !broken && !tail;
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          ok,
          entries: report.entries.length,
          broken: broken ?? null,
          anchors: checked,
          anchored: stored !== undefined,
          unfinished,
        },
        null,
        2,
      )}\n`,
    );
    return ok ? EXIT.ok : EXIT.problems;
  }
  const out: string[] = [];
  if (broken)
    out.push(
      `${style.red('broken')}: ${AUDIT_LOG}:${broken.line}: ${broken.reason}`,
      style.dim(
        `  ${report.entries.length} line(s) before it verify; nothing from line ${broken.line} on can be trusted`,
      ),
    );
  else if (tail)
    out.push(
      `${style.red('broken')}: ${AUDIT_LOG}: ${tail.reason}`,
      style.dim(
        tail.anchor === 'state'
          ? '  the anchor is the head envplane recorded in .envplane/state.json after its last append'
          : '  the anchor is the one given with --anchor',
      ),
    );
  else {
    out.push(
      `${style.green('ok')}: ${report.entries.length} entr${report.entries.length === 1 ? 'y' : 'ies'} in ${AUDIT_LOG}, chain intact`,
    );
    if (stored === undefined && report.entries.length > 0)
      out.push(
        style.dim(
          '  no anchor in .envplane/state.json: lines removed from the end would not show (see envplane audit anchor)',
        ),
      );
    for (const c of checked)
      if (c.lag === 1)
        out.push(style.dim('  the anchor is one line behind: the last append was interrupted before recording it'));
    if (external) out.push(style.dim('  the given anchor matches'));
  }
  if (unfinished.length > 0)
    out.push(
      `${style.yellow('note')}: change(s) with no outcome line (interrupted; may or may not have been made) at line(s) ${unfinished.join(', ')}`,
    );
  process.stdout.write(`${out.join('\n')}\n`);
  return ok ? EXIT.ok : EXIT.problems;
}

function show(text: string, json: boolean, limit: number): number {
  const all = parseEntries(text);
  const entries = limit === 0 ? all : all.slice(-limit);
  if (json) {
    process.stdout.write(`${JSON.stringify({ total: all.length, entries }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (all.length === 0) {
    process.stdout.write(`no audit entries yet (${AUDIT_LOG})\n`);
    return EXIT.ok;
  }
  const lines = entries.map((e: AuditEntry) => {
    const where = [e.environment, e.instance].filter(Boolean).join(' ');
    return `${style.dim(e.time)}  ${e.user}  ${e.command} ${style.bold(e.action)}${where ? ` ${where}` : ''}: ${e.secrets.join(', ')}`;
  });
  if (entries.length < all.length) lines.unshift(style.dim(`last ${entries.length} of ${all.length} entries`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
