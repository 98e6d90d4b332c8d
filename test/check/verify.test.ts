/**
 * `envplane verify`: the static isolation proof, and `--live`, which runs a probe as every instance under the real
 * `envplane run` and fails when an instance can read a value that is not its own.
 */
import assert from 'node:assert/strict';
import { seededBytes as randomBytes } from '../_random.ts';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { InstanceView } from '../../src/rules/_live-view.ts';
import { copyExample, runCli } from '../_helpers.ts';

interface Report {
  ok: boolean;
  static: { problems: { rule: string; message: string }[] };
  live: { environment: string; instances: InstanceView[] } | null;
}

const live = (dir: string, env = 'dev') => {
  const r = runCli(['verify', '--live', '--env', env, '--json'], { cwd: dir });
  return { code: r.code, stderr: r.stderr, stdout: r.stdout, report: JSON.parse(r.stdout || 'null') as Report };
};
const view = (report: Report, id: string) => report.live!.instances.find((v) => v.instance === id)!;
const edit = (dir: string, file: string, change: (text: string) => string) =>
  writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));

describe('verify --live on the second seed', () => {
  test('each instance sees exactly its own names and files', () => {
    const dir = copyExample('service-scoped');
    const { code, report, stderr } = live(dir);
    assert.equal(code, 0, stderr);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.live!.instances.map((v) => v.instance),
      ['backend', 'etl@wex', 'etl@techcorp', 'etl@acme', 'frontend'],
    );
    assert.deepEqual(view(report, 'frontend').env, ['HOME', 'PATH', 'VITE_API_BASE_URL', 'VITE_APP_TITLE']);
    assert.deepEqual(view(report, 'etl@wex').files, [
      'ENCRYPTION_KEY',
      'GITHUB_TOKEN',
      'JIRA_TOKEN',
      'POSTGRES_PASSWORD',
    ]);
    assert.ok(view(report, 'etl@wex').env.includes('CLIENT_NAME'));
    assert.ok(!view(report, 'etl@wex').env.includes('JWT_SECRET_KEY_FILE'));
    assert.deepEqual(view(report, 'backend').files, ['JWT_SECRET_KEY', 'POSTGRES_PASSWORD', 'SESSION_SECRET_KEY']);
  });

  test('techcorp’s token copied into wex’s layer: both tenants fail', () => {
    const dir = copyExample('service-scoped');
    edit(dir, '.env.etl.wex', (t) => t.replace(/^JIRA_TOKEN=.*$/m, 'JIRA_TOKEN=techcorp-jira-api-token'));
    const { code, report, stdout } = live(dir);
    assert.equal(code, 1);
    assert.deepEqual(view(report, 'etl@wex').foreign, [
      { seenAs: 'file JIRA_TOKEN', secret: 'JIRA_TOKEN', owner: 'etl@techcorp' },
    ]);
    assert.equal(view(report, 'etl@acme').ok, true);
    assert.ok(!stdout.includes('techcorp-jira-api-token'));
  });

  test('etl given the backend’s JWT secret: fails, naming whose value it is', () => {
    const dir = copyExample('service-scoped');
    edit(dir, '.env.etl.acme', (t) => t.replace(/^GITHUB_TOKEN=.*$/m, 'GITHUB_TOKEN=backend-jwt-secret'));
    const { code, report } = live(dir);
    assert.equal(code, 1);
    assert.deepEqual(view(report, 'etl@acme').foreign, [
      { seenAs: 'file GITHUB_TOKEN', secret: 'JWT_SECRET_KEY', owner: 'backend' },
    ]);
    // The value is in two places now, so both sides are named; an uninvolved tenant stays clean.
    assert.equal(view(report, 'backend').ok, false);
    assert.equal(view(report, 'etl@wex').ok, true);
  });

  test('text output names each instance’s view, and never a value', () => {
    const dir = copyExample('service-scoped');
    edit(dir, '.env.etl.wex', (t) => t.replace(/^JIRA_TOKEN=.*$/m, 'JIRA_TOKEN=techcorp-jira-api-token'));
    const r = runCli(['verify', '--live', '--env', 'development'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ etl@wex\s+\d+ env vars, 4 secret files/);
    assert.match(r.stdout, /foreign value: file JIRA_TOKEN holds the value of JIRA_TOKEN of etl@techcorp/);
    assert.match(r.stdout, /isolation NOT proven/);
    for (const value of ['techcorp-jira-api-token', 'wex-github-api-token', 'backend-jwt-secret'])
      assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value));
  });
});

/** The example's hand-written compose files give env_file layers to services that do not declare their keys. */
function withoutComposeFiles(dir: string): void {
  for (const f of ['docker-compose.yml', 'docker-compose.prod.yml']) rmSync(join(dir, f));
}

function readyFourPlanes(): string {
  const dir = copyExample('four-planes');
  withoutComposeFiles(dir);
  assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
  for (const name of ['openai_api_key', 'aws_access_key_id', 'aws_secret_access_key', 'pip_extra_index_url']) {
    writeFileSync(join(dir, 'secrets', `${name}.txt`), `${randomBytes(24).toString('base64url')}\n`);
    chmodSync(join(dir, 'secrets', `${name}.txt`), 0o600);
  }
  return dir;
}

describe('verify --live on the first seed', () => {
  test('passes, and notes what the host file system leaves readable', () => {
    const dir = readyFourPlanes();
    const { code, report, stderr } = live(dir);
    assert.equal(code, 0, stderr);
    assert.deepEqual(view(report, 'worker').files, ['openai_api_key', 'postgres_password']);
    assert.ok(view(report, 'worker').hostReadable.some((p) => p.endsWith('secrets/secret_key.txt')));
  });

  test('a secret’s value in a config layer reaches the worker, which does not declare it: fails', () => {
    const dir = readyFourPlanes();
    const value = readFileSync(join(dir, 'secrets/secret_key.txt'), 'utf8').trim();
    edit(dir, 'config/dev.env', (t) => `${t}LLM_PROVIDER="${value}"\n`);
    const { code, report, stdout } = live(dir);
    assert.equal(code, 1);
    assert.deepEqual(view(report, 'worker').foreign, [
      { seenAs: 'env LLM_PROVIDER', secret: 'secret_key', owner: 'backend' },
    ]);
    assert.ok(!stdout.includes(value));
  });

  test('an instance that cannot start fails, with run’s error', () => {
    const { code, report } = live(copyExample('four-planes'));
    assert.equal(code, 1);
    assert.match(
      view(report, 'worker').error!,
      /missing required secret\(s\): postgres_password \(secrets\/postgres_password\.txt\)/,
    );
    assert.equal(view(report, 'frontend').ok, true);
  });

  test('an external store cannot run live; --live needs --env', () => {
    const dir = readyFourPlanes();
    const prod = runCli(['verify', '--live', '--env', 'prod'], { cwd: dir });
    assert.equal(prod.code, 2);
    assert.match(prod.stderr, /the production store is external/);
    assert.equal(runCli(['verify', '--live'], { cwd: dir }).code, 2);
  });
});

describe('verify without --live: the static proof', () => {
  test('passes on service-scoped as written; four-planes only without its over-granting hand-written compose files', () => {
    assert.equal(runCli(['verify'], { cwd: copyExample('service-scoped') }).code, 0);
    const four = copyExample('four-planes');
    assert.equal(runCli(['verify'], { cwd: four }).code, 1);
    withoutComposeFiles(four);
    assert.equal(runCli(['verify'], { cwd: four }).code, 0);
  });

  test('a manifest that lets wex read techcorp’s layer fails, and so does the live run', () => {
    const dir = copyExample('service-scoped');
    edit(dir, 'envplane.yaml', (t) =>
      t.replace('config: [".env.etl.{tenant}"]', 'config: [".env.etl.{tenant}", .env.etl.techcorp]'),
    );
    const r = runCli(['verify', '--json'], { cwd: dir });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as Report;
    assert.ok(
      report.static.problems.some(
        (p) => p.rule === 'isolation-tenant' && p.message.startsWith('etl@wex reads .env.etl.techcorp'),
      ),
    );
    const liveRun = live(dir);
    assert.equal(liveRun.code, 1);
    assert.equal(view(liveRun.report, 'etl@wex').ok, false);
  });
});
