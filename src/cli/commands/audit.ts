import { defineCommand } from 'citty';
import { type AuditEntry, parseEntries, verifyChain } from '../../audit/chain.ts';
import { AUDIT_LOG, readAuditText } from '../../audit/log.ts';
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
        '`show` (the default) lists recent entries; `verify` checks that no line was edited, removed or reordered',
      required: false,
    },
    limit: {
      type: 'string',
      description: 'How many recent entries `show` lists (default: 20; 0 for all)',
      valueHint: 'n',
    },
    ...jsonArg,
    ...dirArg,
  },
  run({ args }) {
    const action = args.action ?? 'show';
    if (action !== 'show' && action !== 'verify')
      throw new EnvplaneError('usage', `unknown audit action "${action}"`, {
        hint: 'use `envplane audit show` or `envplane audit verify`',
      });
    const root = findProjectRoot(args.dir ?? process.cwd());
    const text = readAuditText(root);
    return action === 'verify' ? verify(text, Boolean(args.json)) : show(text, Boolean(args.json), limitOf(args.limit));
  },
});

function limitOf(written: string | undefined): number {
  if (written === undefined) return 20;
  if (!/^\d+$/.test(written)) throw invalidFlagValue('limit', 'a whole number', 'e.g. --limit 50');
  return Number(written);
}

function verify(text: string, json: boolean): number {
  const report = verifyChain(text);
  if (json)
    process.stdout.write(
      `${JSON.stringify({ ok: !report.broken, entries: report.entries.length, broken: report.broken ?? null }, null, 2)}\n`,
    );
  else if (report.broken)
    process.stdout.write(
      `${style.red('broken')}: ${AUDIT_LOG}:${report.broken.line}: ${report.broken.reason}\n` +
        style.dim(
          `  ${report.entries.length} line(s) before it verify; nothing from line ${report.broken.line} on can be trusted\n`,
        ),
    );
  else
    process.stdout.write(
      `${style.green('ok')}: ${report.entries.length} entr${report.entries.length === 1 ? 'y' : 'ies'} in ${AUDIT_LOG}, chain intact\n`,
    );
  return report.broken ? EXIT.problems : EXIT.ok;
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
