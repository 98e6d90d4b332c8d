/**
 * Growth checks: how much more CPU time a piece of code takes when its input grows eightfold. They used to run in
 * `npm test`, where a loaded machine made a linear report look 30× slower for 8× the problems; here, in the bench,
 * they keep their assertion: `npm run bench` exits non-zero when any case grows superlinearly (ratio ≥ 24×, the
 * log-midpoint between linear 8× and quadratic 64×). Run just these with `npm run bench -- growth`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportJson, reportSarif, reportText } from '../src/cli/_report.ts';
import { type CheckResult, RULES } from '../src/rules/index.ts';
import { credentialIn } from '../src/credentials.ts';
import { findPatterns } from '../src/scan/patterns.ts';
import { MANIFEST } from '../test/migrate/_fixtures.ts';
import { GROWTH, growthRatio, SUPERLINEAR } from './_growth.ts';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.cjs');

interface Case {
  name: string;
  ratio: () => number;
}

/** Inputs shaped to make a careless regex backtrack, about `n` characters each (scan's secret-shaped patterns). */
const HOSTILE: Array<[string, (n: number) => string]> = [
  ['A…', (n) => 'A'.repeat(n)],
  ['a=…', (n) => 'a='.repeat(n / 2)],
  ['a: …', (n) => 'a: '.repeat(n / 3)],
  ['"a":"…', (n) => '"a":"'.repeat(n / 5)],
  ['x=Ab1+/…', (n) => `x=${'Ab1+/'.repeat(n / 5)}`],
  ['KEY=a1…', (n) => `KEY=${'a1'.repeat(n / 2)}`],
  ['AKIA…', (n) => 'AKIA'.repeat(n / 4)],
  ['-----BEGIN …', (n) => '-----BEGIN '.repeat(n / 11)],
  ['___…=', (n) => `${'_'.repeat(n)}=`],
  ['gh…', (n) => 'gh'.repeat(n / 2)],
  ['k. = Z9…', (n) => `${'k.'.repeat(n / 4)} = ${'Z9'.repeat(n / 4)}`],
];

/** Inputs built to make the credential detector (init's and check's, src/credentials.ts) rescan. */
const CREDENTIAL_HOSTILE: Array<[string, (n: number) => string]> = [
  ['a://…', (n) => 'a://'.repeat(n / 4)],
  ['a://u@…', (n) => `a://${'u@'.repeat(n / 2)}`],
  ['k=…', (n) => 'k='.repeat(n / 2)],
  ['Password="…', (n) => `Password=${'"'.repeat(n)}x`],
  ['x=;…', (n) => 'x=;'.repeat(n / 3)],
];

/** A check result with `n` unused-key warnings (a layer with 40 000 undeclared keys once took minutes to report). */
const problems = (n: number): CheckResult => ({
  problems: Array.from({ length: n }, (_, i) => ({
    rule: 'unused-key',
    severity: 'warning' as const,
    title: 'Key no service uses',
    message: `K${i} in config/common.env is used by no service`,
    hint: 'remove it',
    location: { file: 'config/common.env', line: i + 1, column: 1 },
  })),
  silenced: [],
});

/** A legacy `.env.development` of `keys` keys, a quarter of them secrets (migrate was quadratic in the keys once). */
const legacyText = (keys: number) => {
  let text = '';
  for (let i = 0; i < keys; i++)
    text += i % 4 === 0 ? `SERVICE_${i}_PASSWORD="p${i}#x$y"\n` : `SETTING_${i}=value ${i}\n`;
  return text;
};

function migrate(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'envplane-bench-migrate-'));
  try {
    writeFileSync(join(dir, 'envplane.yaml'), MANIFEST);
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'common.env'), '# shared\nAPP_REGION=eu\n');
    writeFileSync(join(dir, '.env.development'), text);
    const r = spawnSync(process.execPath, [CLI, 'migrate', '.env.development', '--env', 'dev', '--service', 'app'], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`migrate failed: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const CASES: Case[] = [
  ...HOSTILE.map(([name, make]) => ({
    name: `scan patterns on ${name}`,
    ratio: () => growthRatio(make, findPatterns, 500_000),
  })),
  ...CREDENTIAL_HOSTILE.map(([name, make]) => ({
    name: `credential detector on ${name}`,
    ratio: () => growthRatio(make, (v: string) => credentialIn(v), 200_000),
  })),
  ...(
    [
      ['text by file', (r: CheckResult) => reportText(r, 'file')],
      ['text by rule', (r: CheckResult) => reportText(r, 'rule')],
      ['JSON', (r: CheckResult) => reportJson(r, true)],
      ['SARIF', (r: CheckResult) => reportSarif(r, RULES, 'envplane.yaml')],
    ] as const
  ).map(([name, render]) => ({ name: `check report (${name})`, ratio: () => growthRatio(problems, render, 5000) })),
  {
    name: 'migrate a legacy file (CLI, 250 keys)',
    ratio: () => growthRatio(legacyText, migrate, 250, { tries: 1, clock: 'children' }),
  },
];

/** One line per case: its ratio, and whether it grew superlinearly (the bench then fails). */
export function benchGrowth(): { name: string; ratio: number; superlinear: boolean }[] {
  return CASES.map((c) => {
    const ratio = c.ratio();
    return { name: c.name, ratio, superlinear: ratio >= SUPERLINEAR };
  });
}

export { GROWTH, SUPERLINEAR };
