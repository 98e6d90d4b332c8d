/**
 * `envplane run` delivers exactly one instance's bundle: every instance of both examples runs a real child that
 * reports its environment and its secret files, and sees its declared keys and secrets, nothing more.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isStoreCredential } from '../../src/stores/index.ts';
import { copyExample, runCli, tempDir } from '../_helpers.ts';
import { allProjectValues, expectedBundle, fourPlanesWithSecrets, instancesOf, PROBE, readReport } from './_project.ts';

const PRISTINE_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The environment a child sees when nobody delivers anything: what `run` may add to, never take from. */
function baselineEnv(out: string): Record<string, string> {
  const r = spawnSync(process.execPath, ['-e', PROBE, out], { env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0);
  return readReport(out).env;
}

function checkInstance(dir: string, env: string, service: string, tenant: string | undefined, canaries: string[]) {
  const label = `${service}${tenant ? `@${tenant}` : ''}`;
  const expected = expectedBundle(dir, env, service, tenant);
  const reports = tempDir('envplane-probe-');
  const baseline = baselineEnv(join(reports, 'baseline.json'));
  const instanceArgs = ['--env', env, '--service', service, ...(tenant ? ['--tenant', tenant] : [])];
  const hasSecrets = Object.keys(expected.secrets).length > 0;
  const added = [
    ...Object.keys(expected.config),
    ...Object.values(expected.secrets).map((s) => s.fileEnv),
    ...(hasSecrets ? ['ENVPLANE_SECRETS_DIR'] : []),
  ].sort();

  for (const pristine of [false, true]) {
    const out = join(reports, `${label}-${pristine}.json`);
    const r = runCli(
      ['run', ...instanceArgs, ...(pristine ? ['--pristine'] : []), '--', process.execPath, '-e', PROBE, out],
      {
        cwd: dir,
      },
    );
    assert.equal(r.code, 0, `${label}: ${r.stderr}`);
    // The child printed nothing; neither may envplane print any value.
    for (const value of canaries) assert.ok(!`${r.stdout}${r.stderr}`.includes(value), `${label}: a value on output`);
    const seen = readReport(out);

    // Exactly the declared config keys with their values, and the secret pointers.
    if (pristine) {
      assert.deepEqual(Object.keys(seen.env).sort(), [...added, 'HOME', 'PATH'].sort(), `${label} pristine env`);
      assert.equal(seen.env.PATH, PRISTINE_PATH);
    } else {
      const extra = Object.keys(seen.env).filter((k) => !(k in baseline) || baseline[k] !== seen.env[k]);
      const wantChanged = added.filter((k) => baseline[k] !== seen.env[k]);
      assert.deepEqual(extra.sort(), wantChanged.sort(), `${label}: variables beyond the bundle`);
      // Every inherited variable stays, except the stores' credentials (VAULT_*, AWS_*, age identities), which no
      // instance of these examples declares.
      for (const k of Object.keys(baseline))
        assert.equal(
          k in seen.env,
          !isStoreCredential(k),
          `${label}: inherited ${k} ${isStoreCredential(k) ? 'kept' : 'dropped'}`,
        );
    }
    for (const [key, value] of Object.entries(expected.config)) assert.equal(seen.env[key], value, `${label} ${key}`);

    // Exactly its secret files: names, modes, contents; each fileEnv points at its file.
    assert.deepEqual(Object.keys(seen.files).sort(), Object.keys(expected.secrets).sort(), `${label} secret files`);
    for (const [name, { fileEnv, value }] of Object.entries(expected.secrets)) {
      assert.equal(seen.files[name]!.content, value, `${label} ${name} content`);
      assert.equal(seen.files[name]!.mode, '400');
      assert.equal(seen.env[fileEnv], join(seen.env.ENVPLANE_SECRETS_DIR!, name));
    }
    if (hasSecrets) {
      assert.equal(seen.dirMode, '700');
      assert.ok(!existsSync(seen.env.ENVPLANE_SECRETS_DIR!), `${label}: secrets directory left behind`);
    } else assert.equal(seen.env.ENVPLANE_SECRETS_DIR, baseline.ENVPLANE_SECRETS_DIR);
  }
  return readReport(join(reports, `${label}-false.json`));
}

/** Everything a child saw, as one searchable text: variable names and values, file names and contents. */
function everything(report: ReturnType<typeof readReport>): string {
  return JSON.stringify([report.env, report.files]);
}

describe('run: every instance gets exactly its bundle', () => {
  test('four-planes: backend, worker, frontend, postgres (development, files store)', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const instances = instancesOf(dir);
    assert.deepEqual(
      instances.map(([s]) => s),
      ['backend', 'worker', 'frontend', 'postgres'],
    );
    for (const [service, tenant] of instances) {
      const report = checkInstance(dir, 'development', service, tenant, Object.values(canaries));
      const allowed = new Set(Object.values(expectedBundle(dir, 'development', service).secrets).map((s) => s.value));
      for (const [name, value] of Object.entries(canaries))
        if (!allowed.has(value)) assert.ok(!everything(report).includes(value), `${service} sees ${name}`);
    }
    // Reading values is audited, by name only.
    const audit = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8');
    assert.match(audit, /"deliver"/);
    assert.match(audit, /postgres_password/);
    for (const value of Object.values(canaries)) assert.ok(!audit.includes(value));
  });

  test('service-scoped: backend, frontend, etl@wex, etl@techcorp, etl@acme; no tenant sees another’s value', () => {
    const dir = copyExample('service-scoped');
    const instances = instancesOf(dir);
    assert.deepEqual(
      instances.map(([s, t]) => (t ? `${s}@${t}` : s)),
      ['backend', 'etl@wex', 'etl@techcorp', 'etl@acme', 'frontend'],
    );
    const layerFiles = [
      '.env.shared',
      '.env.backend',
      '.env.frontend',
      '.env.etl.wex',
      '.env.etl.techcorp',
      '.env.etl.acme',
    ];
    const values = allProjectValues(dir, layerFiles);
    const secretValues = [...values].filter(([k]) => /(TOKEN|KEY|PASSWORD)$/.test(k)).map(([, v]) => v);
    for (const [service, tenant] of instances) {
      const report = checkInstance(dir, 'development', service, tenant, secretValues);
      const mine = expectedBundle(dir, 'development', service, tenant);
      const allowed = new Set([...Object.values(mine.config), ...Object.values(mine.secrets).map((s) => s.value)]);
      const seen = everything(report);
      // Undeclared config keys are ruled out by name above; here: no secret and no other tenant's value, anywhere.
      for (const [where, value] of values) {
        const otherTenant = /^\.env\.etl\./.test(where) && !where.startsWith(`.env.etl.${tenant}:`);
        const secret = /(TOKEN|KEY|PASSWORD)$/.test(where);
        if (allowed.has(value) || !(otherTenant || secret)) continue;
        assert.ok(!seen.includes(value), `${service}${tenant ? `@${tenant}` : ''} sees ${where}`);
      }
      if (tenant) {
        for (const other of ['wex', 'techcorp', 'acme'].filter((t) => t !== tenant))
          assert.ok(!seen.toLowerCase().includes(`${other}-`), `etl@${tenant} sees a ${other} value`);
        assert.equal(report.files.JIRA_TOKEN?.content, `${tenant}-jira-api-token`);
      }
    }
  });
});
