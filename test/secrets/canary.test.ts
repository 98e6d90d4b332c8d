import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { counted } from '../_counts.ts';
import { type CliResult, copyExample, runCli } from '../_helpers.ts';

const CANARY = 'CANARY-7f3c9e1d-do-not-print';

/** Every secret value now in the store (and previous values), to look for in every output. */
function storeValues(dir: string): string[] {
  const values: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (!entry.name.endsWith('.example') && entry.name !== '.gitkeep')
        values.push(readFileSync(p, 'utf8').replace(/\r?\n$/, ''));
    }
  };
  walk(join(dir, 'secrets'));
  return values.filter((v) => v.length >= 8);
}

it('no generated or rotated value reaches stdout, stderr, the audit log or the state file', () => {
  const dir = copyExample('service-scoped');
  // The layout after `migrate`: the store holds the secrets (JIRA_TOKEN stays in the env files, as written).
  for (const name of ['.env.shared', '.env.backend', '.env.etl.wex', '.env.etl.techcorp', '.env.etl.acme']) {
    const p = join(dir, name);
    const secrets = /^(POSTGRES_PASSWORD|JWT_SECRET_KEY|SESSION_SECRET_KEY|ENCRYPTION_KEY|GITHUB_TOKEN)=.*$/gm;
    writeFileSync(p, readFileSync(p, 'utf8').replace(secrets, ''));
  }
  const outputs: CliResult[] = [];
  const cli = (args: string[], input = '') => {
    const r = runCli(args, { cwd: dir, input });
    outputs.push(r);
    return r;
  };
  for (const json of [[], ['--json']]) {
    const extra = [...json, '--debug'];
    assert.equal(cli(['setup', ...extra]).code, 0);
    assert.equal(cli(['setup', '--dry-run', ...extra]).code, 0);
    assert.equal(
      cli(['rotate', 'GITHUB_TOKEN', '-e', 'dev', '-t', 'acme', '--from-stdin'], `${CANARY}-first\n`).code,
      0,
    );
    assert.equal(cli(['rotate', 'ENCRYPTION_KEY', '-e', 'dev', '-t', 'wex', ...extra]).code, 0);
    assert.equal(
      cli(['rotate', 'GITHUB_TOKEN', '-e', 'dev', '-t', 'acme', '--from-stdin', ...extra], `${CANARY}\n`).code,
      0,
    );
    assert.equal(cli(['rotate', 'GITHUB_TOKEN', '-e', 'dev', '-t', 'acme', '--rollback', ...extra]).code, 0);
    assert.equal(
      cli(['rotate', 'GITHUB_TOKEN', '-e', 'dev', '-t', 'acme', '--from-stdin', ...extra], `${CANARY}\n`).code,
      0,
    );
    // Failures with the canary in hand: NUL in the value, a wrong tenant, an unknown secret.
    assert.equal(
      cli(['rotate', 'GITHUB_TOKEN', '-e', 'dev', '-t', 'acme', '--from-stdin', ...extra], `${CANARY}\0x`).code,
      2,
    );
    assert.equal(cli(['rotate', 'GITHUB_TOKEN', '-e', 'dev', '-t', 'nope', '--from-stdin', ...extra], CANARY).code, 2);
    assert.equal(cli(['rotate', CANARY.toLowerCase().replace(/-/g, '_'), '-e', 'dev', ...extra]).code, 2);
    assert.equal(cli(['audit', ...json]).code, 0);
    assert.equal(cli(['audit', 'verify', ...json]).code, 0);
  }
  const values = [CANARY, ...storeValues(dir)];
  assert.ok(values.length >= 10, `the store holds the generated values (${values.length})`);
  assert.ok(readFileSync(join(dir, 'secrets', 'acme', 'GITHUB_TOKEN.txt'), 'utf8').includes(CANARY));
  const files = ['.envplane/audit.log', '.envplane/state.json'].map((f) => readFileSync(join(dir, f), 'utf8'));
  counted('canary', outputs.length, 'setup/rotate/audit', () => {
    for (const value of values) {
      for (const [i, r] of outputs.entries()) {
        assert.ok(!r.stdout.includes(value), `a value is on stdout of run ${i}`);
        assert.ok(!r.stderr.includes(value), `a value is on stderr of run ${i}`);
      }
      for (const text of files) assert.ok(!text.includes(value), 'a value is in the audit log or state file');
    }
  });
});
