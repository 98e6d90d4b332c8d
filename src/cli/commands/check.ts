import { defineCommand } from 'citty';
import { unknownHint } from '../../manifest/_suggest.ts';
import { gatherFacts } from '../../project/facts.ts';
import { isRemoteLocation } from '../../resolve/secrets.ts';
import { locationId, RULES, runRules } from '../../rules/index.ts';
import type { CheckInput, SecretFact } from '../../rules/types.ts';
import { storeOf } from '../../stores/index.ts';
import type { StoreEntry } from '../../stores/types.ts';
import { dirArg, jsonArg } from '../_args.ts';
import { invalidFlagValue } from '../_flags.ts';
import { EXIT } from '../_fail.ts';
import { reportJson, reportSarif, reportText, summarize } from '../_report.ts';

const FORMATS = ['text', 'json', 'sarif'] as const;
const GROUPS = ['file', 'rule'] as const;

export default defineCommand({
  meta: {
    name: 'check',
    description: 'Check the project against every rule: secrets, layers, git, Dockerfiles, Compose, tenant isolation',
  },
  args: {
    env: {
      type: 'string',
      alias: 'e',
      description: 'Check one environment, by name or alias (default: every environment)',
      valueHint: 'env',
    },
    service: {
      type: 'string',
      alias: 's',
      description: 'Check one service and all its tenants (default: every service)',
      valueHint: 'service',
    },
    ...jsonArg,
    format: {
      type: 'string',
      description: 'Output format: text, json or sarif (SARIF 2.1.0 for code scanning) (default: text)',
      valueHint: 'text|json|sarif',
    },
    'group-by': {
      type: 'string',
      description: 'Group text output by file or by rule (default: file)',
      valueHint: 'file|rule',
    },
    strict: { type: 'boolean', description: 'Fail (exit 1) on warnings too, not only on errors (default: false)' },
    stores: {
      type: 'boolean',
      description:
        'Also ask the secret managers (vault, aws stores; needs their credentials) which declared secrets exist and how old they are, without reading values (default: false)',
    },
    ...dirArg,
  },
  async run({ args }) {
    const format = pick(args.json ? 'json' : (args.format ?? 'text'), FORMATS, 'format');
    const groupBy = pick(args['group-by'] ?? 'file', GROUPS, 'group-by');
    const gathered = gatherFacts({
      ...(args.dir ? { dir: args.dir } : {}),
      ...(args.env ? { environment: args.env } : {}),
      ...(args.service ? { service: args.service } : {}),
    });
    const input = args.stores === true ? await withStoreFacts(gathered.root, gathered.input) : gathered.input;
    const result = runRules(input);
    const summary = summarize(result);
    const failed = summary.errors > 0 || (args.strict === true && summary.warnings > 0);
    if (format === 'json') process.stdout.write(reportJson(result, failed));
    else if (format === 'sarif') process.stdout.write(reportSarif(result, RULES, input.manifest.file));
    else process.stdout.write(reportText(result, groupBy));
    return failed ? EXIT.problems : EXIT.ok;
  },
});

/**
 * `--stores`: the facts of every secret kept in a secret manager, from the manager (existence and the current
 * version's age; no value is read), one batch per environment.
 */
async function withStoreFacts(root: string, input: CheckInput): Promise<CheckInput> {
  const secrets: Record<string, SecretFact> = { ...input.secrets };
  const byEnvironment = new Map<string, Map<string, StoreEntry>>();
  for (const b of input.bundles)
    for (const s of b.secrets) {
      if (!isRemoteLocation(s.location) || s.location.kind !== 'store') continue;
      const entries = byEnvironment.get(b.environment) ?? new Map<string, StoreEntry>();
      byEnvironment.set(b.environment, entries);
      entries.set(locationId(s.location), {
        name: s.name,
        ...(s.tenant !== undefined ? { tenant: s.tenant } : {}),
        location: s.location,
      });
    }
  for (const [name, entries] of byEnvironment) {
    const environment = input.manifest.environments.find((e) => e.name === name);
    if (!environment) continue;
    const list = [...entries.entries()];
    const store = await storeOf(environment).open();
    const facts = await store.facts(
      { root, manifest: input.manifest, environment },
      list.map(([, e]) => e),
    );
    list.forEach(([id], i) => {
      const f = facts[i];
      if (!f) return;
      secrets[id] = {
        exists: f.exists,
        length: 0,
        placeholder: false,
        equalsExample: false,
        estimatedBits: 0,
        remote: true,
        ...(f.ageDays !== undefined ? { ageDays: f.ageDays } : {}),
      };
    });
  }
  return { ...input, secrets };
}

function pick<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  // The did-you-mean is worked out from what was typed but shows only an allowed value.
  throw invalidFlagValue(flag, `one of ${allowed.join(', ')}`, unknownHint(value, allowed, 'values'));
}
