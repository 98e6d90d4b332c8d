/**
 * Small real projects for rule tests: a clean baseline that passes every rule, and edits that break exactly one.
 * Rules run in-process on facts gathered from the temporary folder, as `check` does.
 */
import { spawnSync } from 'node:child_process';
import { seededBytes as randomBytes } from '../_random.ts';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gatherFacts } from '../../src/project/facts.ts';
import { type CheckResult, runRules } from '../../src/rules/index.ts';
import type { CheckInput, Problem } from '../../src/rules/types.ts';
import { tempDir } from '../_helpers.ts';

export const MANIFEST = `project: shop
environments:
  development:
    aliases: [dev]
    config: [config/common.env, config/dev.env]
    secrets: { store: files, dir: secrets }
  production:
    config: [config/common.env, config/prod.env]
    secrets: { store: files, dir: secrets-prod }
tenants: [wex, techcorp]
keys:
  DB_HOST: { plane: config, required: true }
  LOG_LEVEL: { plane: config, default: info }
  API_URL: public
  CLIENT_NAME: { plane: config, perTenant: true, required: true }
  db_password: { plane: secret, generate: base64:32 }
  jira_token: { plane: secret, perTenant: true }
  pip_index_url: { plane: build, required: false }
services:
  api:
    uses: [DB_HOST, LOG_LEVEL, db_password]
    build: [pip_index_url]
  etl:
    perTenant: true
    uses: [DB_HOST, CLIENT_NAME, jira_token]
    config: [".env.etl.{tenant}"]
  web:
    public: true
    uses: [API_URL]
silence:
  - rule: production-files-store
    reason: "production keeps its values in files here so that the value rules have two environments to compare"
`;

export const strong = () => randomBytes(32).toString('base64');

/** The baseline: every rule passes. `files` adds or replaces files (null deletes from the baseline). */
export function project(files: Record<string, string | null> = {}, modes: Record<string, number> = {}): string {
  const dir = tempDir('envplane-rules-');
  const base: Record<string, string | null> = {
    'envplane.yaml': MANIFEST,
    'config/common.env': 'DB_HOST=db\nAPI_URL=http://localhost:8080\n',
    'config/dev.env': 'LOG_LEVEL=debug\n',
    'config/prod.env': 'LOG_LEVEL=warn\n',
    '.env.etl.wex': 'CLIENT_NAME=WEX\n',
    '.env.etl.techcorp': 'CLIENT_NAME=TechCorp\n',
    'secrets/db_password.txt': `${strong()}\n`,
    'secrets/db_password.txt.example': 'your-db-password\n',
    'secrets/jira_token.txt.example': 'your-jira-token\n',
    'secrets/wex/jira_token.txt': `${strong()}\n`,
    'secrets/techcorp/jira_token.txt': `${strong()}\n`,
    'secrets/pip_index_url.txt.example': 'https://user:token@pypi.example/simple/\n',
    'secrets-prod/db_password.txt': `${strong()}\n`,
    'secrets-prod/db_password.txt.example': 'your-db-password\n',
    'secrets-prod/jira_token.txt.example': 'your-jira-token\n',
    'secrets-prod/wex/jira_token.txt': `${strong()}\n`,
    'secrets-prod/techcorp/jira_token.txt': `${strong()}\n`,
    'secrets-prod/pip_index_url.txt.example': 'https://user:token@pypi.example/simple/\n',
    ...files,
  };
  for (const [path, text] of Object.entries(base)) {
    if (text === null) continue;
    const abs = join(dir, path);
    mkdirSync(dirname(abs), { recursive: true, mode: 0o700 });
    writeFileSync(abs, text, { mode: path.startsWith('secrets') && !path.endsWith('.example') ? 0o600 : 0o644 });
  }
  for (const d of [
    'secrets',
    'secrets-prod',
    'secrets/wex',
    'secrets/techcorp',
    'secrets-prod/wex',
    'secrets-prod/techcorp',
  ])
    if (existsSync(join(dir, d))) chmodSync(join(dir, d), 0o700);
  for (const [path, mode] of Object.entries(modes)) chmodSync(join(dir, path), mode);
  return dir;
}

export function facts(dir: string, options: { environment?: string; service?: string; now?: Date } = {}): CheckInput {
  return gatherFacts({ dir, ...options }).input;
}

export function check(dir: string, options: { environment?: string; service?: string; now?: Date } = {}): CheckResult {
  return runRules(facts(dir, options));
}

/** The problems of one rule. */
export function of(result: CheckResult | Problem[], rule: string): Problem[] {
  return (Array.isArray(result) ? result : result.problems).filter((p) => p.rule === rule);
}

export function git(dir: string, ...args: string[]): void {
  const r = spawnSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
}
