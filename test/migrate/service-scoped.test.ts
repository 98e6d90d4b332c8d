/**
 * `envplane migrate --env development` on the second seed's layout: every secret that lives in `.env.shared`,
 * `.env.backend` or `.env.etl.<tenant>` moves into the files store, the layer files lose exactly those lines, and
 * every instance (every tenant) resolves to the same config values and the same secret values as before.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyExample, hashTree, runCli, tempDir } from '../_helpers.ts';
import { receivedValues } from './_fixtures.ts';

const SECRET_VALUES = [
  'pulse',
  'backend-jwt-secret',
  'backend-session-secret',
  'wex-etl-encryption-key',
  'wex-jira-api-token',
  'acme-github-api-token',
  'techcorp-jira-api-token',
];

describe('migrate --env development (secrets in layer files)', () => {
  it('moves every layer secret into the store and every instance receives the same values', () => {
    const dir = copyExample('service-scoped');
    const before = receivedValues(dir);
    const layerTextBefore = readFileSync(join(dir, '.env.etl.wex'), 'utf8');
    const r = runCli(['migrate', '--env', 'development'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    for (const value of SECRET_VALUES) assert.ok(!`${r.stdout}${r.stderr}`.includes(value), `printed ${value}`);

    assert.deepEqual(receivedValues(dir), before);
    assert.equal(Object.keys(before).length, 5); // backend, etl@wex, etl@techcorp, etl@acme, frontend
    assert.equal(before['etl@wex']!['secret:JIRA_TOKEN'], 'wex-jira-api-token');

    // No secret is read from a layer any more, for any instance: `envplane env --json` says where each comes from.
    for (const [service, tenant] of [['backend'], ['etl', 'wex'], ['etl', 'techcorp'], ['etl', 'acme'], ['frontend']]) {
      const args = ['env', '--env', 'dev', '--service', service!, '--json', ...(tenant ? ['--tenant', tenant] : [])];
      const env = runCli(args, { cwd: dir });
      assert.equal(env.code, 0, env.stderr);
      for (const s of JSON.parse(env.stdout).secrets) assert.equal(s.from.store, 'files', `${service} ${s.name}`);
    }
    assert.equal(readFileSync(join(dir, 'secrets', 'wex', 'JIRA_TOKEN.txt'), 'utf8'), 'wex-jira-api-token\n');
    assert.equal(statSync(join(dir, 'secrets', 'wex', 'JIRA_TOKEN.txt')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'secrets', 'wex')).mode & 0o777, 0o700);

    // The layer keeps its comments and config lines; the old text is kept as a private backup that git ignores.
    const wex = readFileSync(join(dir, '.env.etl.wex'), 'utf8');
    assert.equal(
      wex,
      layerTextBefore
        .split('\n')
        .filter((l) => !/^(ENCRYPTION_KEY|JIRA_TOKEN|GITHUB_TOKEN)=/.test(l))
        .join('\n'),
    );
    assert.match(wex, /# WEX-specific API credentials/);
    assert.equal(readFileSync(join(dir, '.env.etl.wex.bak'), 'utf8'), layerTextBefore);
    assert.equal(statSync(join(dir, '.env.etl.wex.bak')).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\/\.env\.etl\.wex\.bak$/m);
    assert.doesNotMatch(readFileSync(join(dir, '.env.shared'), 'utf8'), /POSTGRES_PASSWORD/);
    // The committed templates lose the secret lines too, so `cp .env.etl.example .env.etl.x` cannot bring them back.
    assert.equal(readFileSync(join(dir, '.env.etl.example'), 'utf8'), 'CLIENT_NAME=Client\n');
    assert.ok(existsSync(join(dir, 'secrets', 'wex', 'JIRA_TOKEN.txt.example')));

    // The audit log names what was written, never a value.
    const audit = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8');
    const entry = JSON.parse(audit.trim().split('\n').pop()!);
    assert.equal(entry.command, 'migrate');
    assert.equal(entry.action, 'write');
    assert.equal(entry.environment, 'development');
    assert.ok(entry.secrets.includes('wex/JIRA_TOKEN') && entry.secrets.includes('POSTGRES_PASSWORD'));
    for (const value of SECRET_VALUES) assert.ok(!audit.includes(value), value);
  });

  it('`envplane run` gives every instance the same variables and secret file contents before and after', () => {
    const dir = copyExample('service-scoped');
    // The child prints names, config values and a digest of each secret file: never a secret value.
    const child = [
      'node',
      '-e',
      "const c=require('crypto'),fs=require('fs');const o={};for(const[k,v]of Object.entries(process.env))" +
        'if(/^(POSTGRES|REDIS|CLIENT|BACKEND|ETL|JIRA|GITHUB|ENCRYPTION|JWT|SESSION|VITE)_/.test(k))' +
        "o[k]=k.endsWith('_FILE')?c.createHash('sha256').update(fs.readFileSync(v)).digest('hex'):v;" +
        'console.log(JSON.stringify(o))',
    ];
    const instances = [['backend'], ['etl', 'wex'], ['etl', 'techcorp'], ['etl', 'acme'], ['frontend']];
    const observe = () =>
      instances.map(([service, tenant]) => {
        const args = [
          'run',
          '--env',
          'dev',
          '--service',
          service!,
          ...(tenant ? ['--tenant', tenant] : []),
          '--',
          ...child,
        ];
        const r = runCli(args, { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as Record<string, string>;
      });
    const before = observe();
    assert.ok(before[1]!.JIRA_TOKEN_FILE && before[0]!.JWT_SECRET_KEY_FILE);
    assert.equal(runCli(['migrate', '--env', 'development'], { cwd: dir }).code, 0);
    assert.deepEqual(observe(), before);
  });

  it('leaves none of the secret-in-env-file problems for `envplane check`', () => {
    const dir = copyExample('service-scoped');
    const rules = (json: string) => new Set(JSON.parse(json).problems.map((p: { rule: string }) => p.rule));
    const before = runCli(['check', '--env', 'development', '--json'], { cwd: dir });
    assert.ok(rules(before.stdout).has('secret-in-config'), before.stdout.slice(0, 400));
    assert.ok(rules(before.stdout).has('secret-env-var'));
    assert.equal(runCli(['migrate', '--env', 'development'], { cwd: dir }).code, 0);
    const after = runCli(['check', '--env', 'development', '--json'], { cwd: dir });
    const left = rules(after.stdout);
    assert.ok(!left.has('secret-in-config'), after.stdout);
    assert.ok(!left.has('secret-env-var'), after.stdout);
  });

  it('says the .bak files hold plaintext; `check` warns about each one with its rm command until it is deleted', () => {
    const dir = copyExample('service-scoped');
    const r = runCli(['migrate', '--env', 'development'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const backups = [
      '.env.backend.bak',
      '.env.etl.acme.bak',
      '.env.etl.techcorp.bak',
      '.env.etl.wex.bak',
      '.env.shared.bak',
    ];
    for (const bak of backups) assert.ok(existsSync(join(dir, bak)), bak);
    assert.match(r.stdout, /hold the old plaintext secret values \(mode 0600, ignored by git\)/);
    const rm = /delete them: rm (.+)$/m.exec(r.stdout);
    assert.deepEqual(rm?.[1]?.split(' ').sort(), backups, r.stdout);

    const warnings = () => {
      const c = runCli(['check', '--env', 'development', '--json'], { cwd: dir });
      assert.notEqual(c.code, 2, c.stderr);
      for (const value of SECRET_VALUES) assert.ok(!`${c.stdout}${c.stderr}`.includes(value), `printed ${value}`);
      return (JSON.parse(c.stdout).problems as { rule: string; severity: string; location?: { file: string } }[])
        .filter((p) => p.rule === 'secret-in-backup')
        .map((p) => `${p.severity} ${p.location?.file}`);
    };
    assert.deepEqual(
      warnings(),
      backups.map((b) => `warning ${b}`),
    );
    const text = runCli(['check', '--env', 'development'], { cwd: dir });
    assert.match(
      text.stdout,
      /backup \.env\.backend\.bak of layer \.env\.backend still holds secrets JWT_SECRET_KEY and SESSION_SECRET_KEY in plaintext/,
    );
    assert.match(text.stdout, /then delete the backup: `rm \.env\.backend\.bak`/);
    for (const value of SECRET_VALUES) assert.ok(!text.stdout.includes(value), `printed ${value}`);

    // Deleting one backup clears its warning and only that one; deleting all clears the rule.
    rmSync(join(dir, '.env.backend.bak'));
    assert.deepEqual(
      warnings(),
      backups.slice(1).map((b) => `warning ${b}`),
    );
    for (const bak of backups.slice(1)) rmSync(join(dir, bak));
    assert.deepEqual(warnings(), []);
  });

  it('is idempotent, and --remove-old keeps no backup', () => {
    const dir = copyExample('service-scoped');
    assert.equal(runCli(['migrate', '--env', 'development', '--remove-old'], { cwd: dir }).code, 0);
    assert.ok(!existsSync(join(dir, '.env.shared.bak')));
    assert.doesNotMatch(readFileSync(join(dir, '.gitignore'), 'utf8'), /\.bak/);
    const done = hashTree(dir);
    const again = runCli(['migrate', '--env', 'development', '--json'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).steps, []);
    assert.deepEqual(hashTree(dir), done);
  });

  it('--dry-run writes nothing', () => {
    const dir = copyExample('service-scoped');
    const before = hashTree(dir);
    const r = runCli(['migrate', '--env', 'dev', '--dry-run'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dry run, nothing written/);
    assert.match(r.stdout, /JIRA_TOKEN +secret → secrets\/acme\/JIRA_TOKEN\.txt/);
    assert.deepEqual(hashTree(dir), before);
  });

  it('--service (which layer secrets do not use) is refused, not ignored: a typo must not pass unnoticed', () => {
    const dir = copyExample('service-scoped');
    const before = hashTree(dir);
    for (const service of ['nope', 'backend']) {
      const r = runCli(['migrate', '--env', 'dev', '--service', service], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--service applies to `envplane migrate <file>` only/);
    }
    assert.deepEqual(hashTree(dir), before);
  });

  it('refuses to write through a symbolic link, before anything is written', () => {
    const dir = copyExample('service-scoped');
    const outside = tempDir('envplane-outside-');
    renameSync(join(dir, '.env.etl.wex'), join(outside, 'wex.env'));
    symlinkSync(join(outside, 'wex.env'), join(dir, '.env.etl.wex'));
    const before = hashTree(dir);
    const outsideBefore = hashTree(outside);
    const r = runCli(['migrate', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /symbolic link \.env\.etl\.wex/);
    assert.deepEqual(hashTree(dir), before);
    assert.deepEqual(hashTree(outside), outsideBefore);
    assert.ok(!existsSync(join(dir, '.envplane', 'migrate.json')));
  });

  it('refuses, writing nothing, when a store file already holds another value', () => {
    const dir = copyExample('service-scoped');
    writeFileSync(join(dir, 'secrets', 'JWT_SECRET_KEY.txt'), 'another-value\n', { mode: 0o600 });
    const before = hashTree(dir);
    const r = runCli(['migrate', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.env\.backend:2: JWT_SECRET_KEY has another value in secrets\/JWT_SECRET_KEY\.txt/);
    assert.ok(!r.stderr.includes('another-value') && !r.stderr.includes('backend-jwt-secret'));
    assert.deepEqual(hashTree(dir), before);
  });
});
