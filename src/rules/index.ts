/**
 * Every rule `check` runs, in the order their problems are listed, and the runner that applies the manifest's
 * `silence:` entries. The table here is also what SARIF publishes as `tool.driver.rules` and what docs/rules/ covers.
 */
import { EnvplaneError, type ErrorDetail } from '../errors.ts';
import { positionOf } from '../manifest/_pointer.ts';
import { unknownHint } from '../manifest/_suggest.ts';
import type { Manifest, Silence } from '../manifest/types.ts';
import { composeOverGrant } from './compose-over-grant.ts';
import { dockerfileSecret } from './dockerfile-secret.ts';
import { dockerfileSyntax } from './dockerfile-syntax.ts';
import { duplicateKey } from './duplicate-key.ts';
import { exampleMissing } from './example-missing.ts';
import { exampleOrphan } from './example-orphan.ts';
import { isolationTenant } from './isolation-tenant.ts';
import { isolationUndeclared } from './isolation-undeclared.ts';
import { layerMissing } from './layer-missing.ts';
import { layerTemplateDrift } from './layer-template-drift.ts';
import { productionFilesStore } from './production-files-store.ts';
import { publicServiceSecret } from './public-service-secret.ts';
import { requiredKeyUnset } from './required-key-unset.ts';
import { secretDirMode } from './secret-dir-mode.ts';
import { secretEnvVar } from './secret-env-var.ts';
import { secretFileMode } from './secret-file-mode.ts';
import { secretInBackup } from './secret-in-backup.ts';
import { secretInConfig } from './secret-in-config.ts';
import { secretMissing } from './secret-missing.ts';
import { secretNotIgnored } from './secret-not-ignored.ts';
import { secretReused } from './secret-reused.ts';
import { secretSameValue } from './secret-same-value.ts';
import { secretTooOld } from './secret-too-old.ts';
import { secretTracked } from './secret-tracked.ts';
import { secretUntrusted } from './secret-untrusted.ts';
import { secretWeak } from './secret-weak.ts';
import { serviceLayerUndeclared } from './service-layer-undeclared.ts';
import { undefinedKey } from './undefined-key.ts';
import { unusedKey } from './unused-key.ts';
import type { AnyRule, CheckInput, Problem } from './types.ts';

export const RULES = [
  layerMissing,
  requiredKeyUnset,
  undefinedKey,
  secretMissing,
  secretWeak,
  secretInConfig,
  secretEnvVar,
  publicServiceSecret,
  duplicateKey,
  unusedKey,
  serviceLayerUndeclared,
  secretReused,
  secretSameValue,
  secretTracked,
  secretNotIgnored,
  secretFileMode,
  secretUntrusted,
  secretDirMode,
  secretInBackup,
  secretTooOld,
  productionFilesStore,
  exampleMissing,
  exampleOrphan,
  layerTemplateDrift,
  dockerfileSecret,
  dockerfileSyntax,
  isolationUndeclared,
  isolationTenant,
  composeOverGrant,
] as const satisfies readonly AnyRule[];

/** Every rule id, as a type: what `check` prints and `silence:` may name. */
export type RuleId = (typeof RULES)[number]['id'];

export function isRuleId(id: string): id is RuleId {
  return RULES.some((r) => r.id === id);
}

/**
 * A silence for a rule that does not exist would hide nothing and mislead the reader: each one is a located problem.
 * Checked here, where the rules are known, so that every command that runs rules (check, verify) refuses the same.
 */
export function silenceProblems(manifest: Manifest): ErrorDetail[] {
  const ids = RULES.map((r) => r.id);
  return manifest.silence.flatMap((s, i) => {
    if (isRuleId(s.rule)) return [];
    const at = positionOf(manifest.positions, ['silence', String(i), 'rule']);
    return [
      {
        message: `silence names unknown rule "${s.rule}"`,
        location: { file: manifest.file, line: at.line, column: at.column },
        hint: unknownHint(s.rule, ids, 'rules'),
      },
    ];
  });
}

export interface SilencedProblem extends Problem {
  reason: string;
}

export interface CheckResult {
  problems: Problem[];
  silenced: SilencedProblem[];
}

/** Runs the rules over the facts; a `silence:` naming no rule is refused first (exit 2), whichever rules run. */
export function runRules(input: CheckInput, rules: readonly AnyRule[] = RULES): CheckResult {
  const refused = EnvplaneError.of('input', silenceProblems(input.manifest));
  if (refused) throw refused;
  const problems: Problem[] = [];
  const silenced: SilencedProblem[] = [];
  for (const rule of rules)
    for (const finding of rule.run(input)) {
      const { severity, ...rest } = finding;
      const problem: Problem = {
        rule: rule.id,
        severity: severity ?? rule.severity,
        title: rule.title,
        ...rest,
        hint: finding.hint ?? rule.hint,
      };
      const silence = input.manifest.silence.find((s) => matches(s, problem));
      if (silence) silenced.push({ ...problem, reason: silence.reason });
      else problems.push(problem);
    }
  return { problems, silenced };
}

function matches(silence: Silence, problem: Problem): boolean {
  if (silence.rule !== problem.rule) return false;
  if (silence.key !== undefined && silence.key !== problem.key) return false;
  if (silence.service !== undefined) {
    const service = problem.service ?? problem.instance?.split('@')[0];
    if (silence.service !== service) return false;
  }
  if (silence.file !== undefined) {
    const files = [problem.location, ...(problem.related ?? [])].map((l) => l?.file);
    if (!files.includes(silence.file)) return false;
  }
  return true;
}

export type { AnyRule, CheckInput, Finding, Problem, Rule, Severity } from './types.ts';
export { locationId } from './_common.ts';
