/**
 * The seed's "same secrets across environments" DON'T, everywhere values meet (issue 13, items 3 and 4): `check`
 * compares per-tenant values across tenants, keeps comparing environments under `--env`, and `push --from` another
 * environment is refused unless asked for, naming each shared secret.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyExample, runCli, tempDir } from '../_helpers.ts';
import { seededBytes } from '../_random.ts';

type Report = { problems: { rule: string; message: string; environment?: string; key?: string }[] };
const reused = (dir: string, ...args: string[]) => {
  const r = runCli(['check', '--json', ...args], { cwd: dir });
  return (JSON.parse(r.stdout) as Report).problems.filter((p) => p.rule === 'secret-reused');
};
const strong = () => seededBytes(32).toString('base64');

describe('check: secret-reused across tenants and outside --env', () => {
  it('wex’s JIRA_TOKEN copied over techcorp’s is found, by name only', () => {
    const dir = copyExample('service-scoped');
    assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
    // The tenants' tokens as the seed keeps them: in .env.etl.<tenant>. Make them distinct, then copy one.
    const token = strong();
    for (const t of ['wex', 'techcorp', 'acme'])
      writeFileSync(
        join(dir, `.env.etl.${t}`),
        `CLIENT_NAME=${t}\nENCRYPTION_KEY=${strong()}\nJIRA_TOKEN=${t === 'acme' ? strong() : token}\nGITHUB_TOKEN=${strong()}\n`,
      );
    const found = reused(dir);
    assert.deepEqual(
      found.map((p) => p.message),
      [
        'secret JIRA_TOKEN has the same value for tenants wex (.env.etl.wex:3) and techcorp (.env.etl.techcorp:3) in development',
      ],
    );
    assert.ok(!JSON.stringify(found).includes(token));
    writeFileSync(
      join(dir, '.env.etl.techcorp'),
      `CLIENT_NAME=t\nENCRYPTION_KEY=${strong()}\nJIRA_TOKEN=${strong()}\nGITHUB_TOKEN=${strong()}\n`,
    );
    assert.deepEqual(reused(dir), []);
  });

  it('check --env prod still finds a value prod shares with dev (plain check does)', () => {
    const dir = copyExample('four-planes');
    // production with a files store of its own, holding a copy of development's secret_key.
    const manifest = join(dir, 'envplane.yaml');
    const text = readFileSync(manifest, 'utf8').replace(
      'secrets: { store: external, prefix: Reactrine_ }',
      'secrets: { store: files, dir: secrets-prod }',
    );
    writeFileSync(manifest, text);
    assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
    copyFileSync(join(dir, 'secrets', 'secret_key.txt'), join(dir, 'secrets-prod', 'secret_key.txt'));
    const all = reused(dir).map((p) => p.key);
    assert.deepEqual(all, ['secret_key']);
    const prod = reused(dir, '--env', 'prod');
    assert.deepEqual(
      prod.map((p) => [p.key, p.environment]),
      [['secret_key', 'production']],
    );
    assert.deepEqual(
      reused(dir, '--env', 'dev').map((p) => p.key),
      ['secret_key'],
    );
  });
});

describe('push --from another environment', () => {
  function project() {
    const dir = copyExample('four-planes');
    assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
    for (const name of ['openai_api_key', 'aws_access_key_id', 'aws_secret_access_key'])
      writeFileSync(join(dir, 'secrets', `${name}.txt`), `${strong()}\n`, { mode: 0o600 });
    const bin = tempDir('envplane-docker-');
    const log = join(bin, 'log');
    mkdirSync(log);
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\necho "$@" > "${log}/$(ls "${log}" | wc -l)"\ncat >/dev/null\n[ "$2" = inspect ] && exit 1\nexit 0\n`,
    );
    chmodSync(join(bin, 'docker'), 0o755);
    return { dir, env: { PATH: `${bin}:${process.env.PATH}` }, calls: () => readdirSync(log).length };
  }

  it('is refused (exit 2) without --allow-shared-values, and docker never runs', () => {
    const { dir, env, calls } = project();
    const r = runCli(['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev'], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /would copy development's secret values into production/);
    assert.match(r.stderr, /--from-dir/);
    assert.equal(calls(), 0);
  });

  it('with --allow-shared-values, warns naming each shared secret, then pushes', () => {
    const { dir, env, calls } = project();
    const r = runCli(['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev', '--allow-shared-values'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    for (const name of [
      'postgres_password',
      'secret_key',
      'openai_api_key',
      'aws_access_key_id',
      'aws_secret_access_key',
    ])
      assert.match(
        r.stderr,
        new RegExp(`warning: production's ${name} \\(Reactrine_${name}\\) gets development's value`),
      );
    assert.ok(calls() > 0);
  });

  it('--from-dir (values of its own) needs no flag and warns about nothing', () => {
    const { dir, env } = project();
    const values = join(dir, 'prod-values');
    mkdirSync(values);
    for (const name of ['postgres_password', 'secret_key', 'openai_api_key'])
      writeFileSync(join(values, `${name}.txt`), `${strong()}\n`, { mode: 0o600 });
    const r = runCli(['push', '--to', 'swarm', '--env', 'prod', '--from-dir', values, '--dry-run'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/);
  });
});
