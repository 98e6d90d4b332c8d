/**
 * Every rule, each with a project that triggers it and a near miss that does not. Projects are real folders; the
 * baseline passes every rule (first test), so each trigger is the one edit the test makes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runRules } from '../../src/rules/index.ts';
import { secretInBackup } from '../../src/rules/secret-in-backup.ts';
import type { LayerBackupFact } from '../../src/rules/types.ts';
import { tempDir } from '../_helpers.ts';
import { check, facts, git, MANIFEST, of, project, strong } from './_fixture.ts';

const manifest = (...edits: [string, string][]) =>
  edits.reduce((text, [from, to]) => {
    assert.ok(text.includes(from), `fixture edit: ${from}`);
    return text.replace(from, to);
  }, MANIFEST);

test('the baseline project passes every rule', () => {
  const r = check(project());
  assert.deepEqual(
    r.problems.map((p) => `${p.rule}: ${p.message}`),
    [],
  );
});

describe('layer-missing', () => {
  test('a listed layer file that does not exist, located in the manifest', () => {
    const [p] = of(check(project({ 'config/dev.env': null })), 'layer-missing');
    assert.equal(p?.location?.file, 'envplane.yaml');
    assert.equal(p?.location?.line, 5);
    assert.match(p!.message, /config\/dev\.env does not exist/);
  });
  test('an empty file is fine', () => {
    assert.deepEqual(of(check(project({ 'config/dev.env': '' })), 'layer-missing'), []);
  });
});

describe('required-key-unset', () => {
  test('a required key no layer sets, for every instance that uses it', () => {
    const problems = of(check(project({ 'config/common.env': 'API_URL=http://x\n' })), 'required-key-unset');
    assert.equal(problems.length, 2); // development and production
    assert.match(
      problems[0]!.message,
      /DB_HOST is required but has no value for api, etl@wex and etl@techcorp in development/,
    );
    assert.equal(problems[0]!.location?.file, 'envplane.yaml');
  });
  test("a per-tenant key's hint names the tenant's own layer, not a layer every tenant shares", () => {
    const [p, ...rest] = of(check(project({ '.env.etl.wex': '' }), { environment: 'dev' }), 'required-key-unset');
    assert.equal(rest.length, 0);
    assert.match(p!.message, /CLIENT_NAME is required but has no value for etl@wex in development/);
    assert.equal(p!.hint, "CLIENT_NAME is per tenant: set it in each tenant's own layer (.env.etl.wex)");
    // A service with no per-tenant layer is told to add one.
    const none = manifest(['    config: [".env.etl.{tenant}"]\n', '']);
    const [q] = of(
      check(project({ 'envplane.yaml': none, '.env.etl.wex': null, '.env.etl.techcorp': null }), {
        environment: 'dev',
      }),
      'required-key-unset',
    );
    assert.match(q!.hint ?? '', /give services\.etl\.config a per-tenant layer such as "\.env\.etl\.\{tenant\}"/);
    assert.doesNotMatch(q!.hint ?? '', /config\/common\.env/);
  });
  test('an empty value counts as unset; a value in the environment layer does not', () => {
    assert.equal(
      of(check(project({ 'config/common.env': 'DB_HOST=\nAPI_URL=http://x\n' })), 'required-key-unset').length,
      2,
    );
    const r = check(project({ 'config/common.env': 'API_URL=http://x\n', 'config/dev.env': 'DB_HOST=db\n' }), {
      environment: 'dev',
    });
    assert.deepEqual(of(r, 'required-key-unset'), []);
  });
});

describe('undefined-key', () => {
  test('an optional key a service uses that nothing defines', () => {
    const [p] = of(
      check(project({ 'config/common.env': 'DB_HOST=db\n' }), { environment: 'development' }),
      'undefined-key',
    );
    assert.match(p!.message, /web uses API_URL in development/);
    assert.equal(p!.location?.line, 29);
  });
  test('a key with a default is defined', () => {
    assert.deepEqual(of(check(project({ 'config/dev.env': '', 'config/prod.env': '' })), 'undefined-key'), []);
  });
});

describe('secret-missing', () => {
  test('names the instance and the path', () => {
    const [p] = of(check(project({ 'secrets/wex/jira_token.txt': null })), 'secret-missing');
    assert.equal(p!.message, 'secret jira_token for etl@wex in development: secrets/wex/jira_token.txt does not exist');
    assert.equal(p!.location?.file, 'secrets/wex/jira_token.txt');
    assert.equal(p!.instance, 'etl@wex');
  });
  test('an empty file is missing too', () => {
    const [p] = of(check(project({ 'secrets/db_password.txt': '\n' })), 'secret-missing');
    assert.match(p!.message, /secrets\/db_password\.txt is empty/);
  });
  test('a secret file that is a symbolic link is refused with its path, not followed', () => {
    const dir = project();
    rmSync(join(dir, 'secrets/db_password.txt'));
    symlinkSync('/etc/hostname', join(dir, 'secrets/db_password.txt'));
    assert.throws(() => check(dir), /secret file secrets\/db_password\.txt is a symbolic link/);
  });
  test('a secret file that is a FIFO is refused with its path, not waited on', () => {
    const dir = project();
    rmSync(join(dir, 'secrets/db_password.txt'));
    const made = spawnSync('mkfifo', [join(dir, 'secrets/db_password.txt')]);
    assert.equal(made.status, 0, String(made.stderr));
    assert.throws(() => check(dir), /secret file secrets\/db_password\.txt is not a regular file/);
  });
  test('an optional build secret may be absent', () => {
    assert.deepEqual(of(check(project()), 'secret-missing'), []);
  });
});

describe('secret-weak', () => {
  const weak = (value: string) => of(check(project({ 'secrets/db_password.txt': `${value}\n` })), 'secret-weak');
  test('a known placeholder, the project name, the .example, too short, too repetitive', () => {
    assert.match(weak('changeme')[0]!.message, /known placeholder/);
    assert.match(weak('shop')[0]!.message, /known placeholder/);
    assert.match(weak('your_db_password_here')[0]!.message, /known placeholder/);
    assert.match(weak('your-db-password')[0]!.message, /equals its .example/);
    assert.match(weak('Zx81-kq')[0]!.message, /has 7 characters where its rule base64:32 makes 44/);
    assert.match(weak('ab'.repeat(22))[0]!.message, /repeats too few distinct characters/);
  });
  test('a build secret left as its template', () => {
    const example = 'https://user:token@pypi.example/simple/\n';
    const [p] = of(check(project({ 'secrets/pip_index_url.txt': example })), 'secret-weak');
    assert.match(p!.message, /build secret pip_index_url for api in development equals its .example template/);
    assert.match(p!.hint, /put the real value in secrets\/pip_index_url\.txt/);
  });
  test('a generated value passes; a secret without a rule is judged by placeholders only', () => {
    assert.deepEqual(weak(strong()), []);
    const r = check(project({ 'secrets/wex/jira_token.txt': 'wex-7f3a9c1e2b\n' }));
    assert.deepEqual(of(r, 'secret-weak'), []);
  });
});

describe('secret-in-config', () => {
  test('a secret in the shared layer, with its line', () => {
    const r = check(project({ 'config/common.env': 'DB_HOST=db\nAPI_URL=http://x\ndb_password=hunter2\n' }));
    const [p] = of(r, 'secret-in-config');
    assert.deepEqual(p!.location, { file: 'config/common.env', line: 3, column: 1 });
    assert.match(
      p!.message,
      /secret db_password is set in config\/common\.env, a config layer shared by every service/,
    );
  });
  test('a config key named like a secret, and a public key holding a token', () => {
    const r = check(
      project({ 'config/common.env': `DB_HOST=db\nAPI_URL=sk-${'a1B2c3D4'.repeat(4)}\nSMTP_PASSWORD=x\n` }),
    );
    const messages = of(r, 'secret-in-config').map((p) => p.message);
    assert.ok(
      messages.some((m) => /public key API_URL .* looks like a credential and public values reach the browser/.test(m)),
    );
    assert.ok(messages.some((m) => /undeclared key SMTP_PASSWORD .* is named like a secret/.test(m)));
  });
  test('settings that merely mention tokens are not secrets', () => {
    const r = check(
      project({ 'config/common.env': 'DB_HOST=db\nAPI_URL=http://x\nACCESS_TOKEN_EXPIRE_MINUTES=480\n' }),
    );
    assert.deepEqual(of(r, 'secret-in-config'), []);
  });
});

describe('secret-env-var', () => {
  const withApiLayer = (text: string) =>
    project({
      'envplane.yaml': manifest([
        '    build: [pip_index_url]\n',
        '    build: [pip_index_url]\n    config: [.env.api]\n',
      ]),
      '.env.api': text,
    });
  test('a secret in a service env file is delivered as an environment variable', () => {
    const [p] = of(check(withApiLayer(`db_password=${strong()}\n`), { environment: 'dev' }), 'secret-env-var');
    assert.deepEqual(p!.location, { file: '.env.api', line: 1 });
    assert.match(p!.message, /secret db_password lives in \.env\.api, so api receives it as an environment variable/);
    assert.match(p!.hint, /envplane migrate/);
  });
  test('config in the same file is fine', () => {
    assert.deepEqual(of(check(withApiLayer('LOG_LEVEL=warn\n')), 'secret-env-var'), []);
  });
});

describe('public-service-secret', () => {
  test('a browser-facing service that uses a secret', () => {
    const r = check(project({ 'envplane.yaml': manifest(['uses: [API_URL]', 'uses: [API_URL, db_password]']) }));
    const [p] = of(r, 'public-service-secret');
    assert.equal(p!.message, 'public service web uses secret db_password');
  });
  test('public config only is fine', () => {
    assert.deepEqual(of(check(project()), 'public-service-secret'), []);
  });
});

describe('duplicate-key', () => {
  test('both lines of a key set twice in one file', () => {
    const [p] = of(
      check(project({ 'config/common.env': 'DB_HOST=a\nAPI_URL=http://x\nDB_HOST=b\n' })),
      'duplicate-key',
    );
    assert.equal(p!.location?.line, 3);
    assert.deepEqual(p!.related, [{ file: 'config/common.env', line: 1, column: 1 }]);
    assert.match(p!.message, /lines 1, 3/);
  });
  test('the same key in two layers is precedence, not duplication', () => {
    assert.deepEqual(
      of(check(project({ 'config/dev.env': 'LOG_LEVEL=debug\nDB_HOST=localhost\n' })), 'duplicate-key'),
      [],
    );
  });
});

describe('unused-key', () => {
  test('a typo in a shared layer, with a did-you-mean', () => {
    const [p] = of(check(project({ 'config/common.env': 'DB_HOST=db\nAPI_URL=http://x\nDB_HOTS=db\n' })), 'unused-key');
    assert.match(p!.message, /DB_HOTS in config\/common\.env is not a declared key; did you mean DB_HOST\?/);
    assert.equal(p!.location?.line, 3);
  });
  test('a key some reader uses is fine', () => {
    assert.deepEqual(of(check(project()), 'unused-key'), []);
  });
});

describe('service-layer-undeclared', () => {
  test('a service file holding a key its service does not declare', () => {
    const [p] = of(check(project({ '.env.etl.wex': 'CLIENT_NAME=WEX\nDB_PASSWORD=x\n' })), 'service-layer-undeclared');
    assert.equal(p!.message, '.env.etl.wex sets DB_PASSWORD, which no service reading it declares');
    assert.equal(p!.location?.line, 2);
  });
  test('declared keys are fine', () => {
    assert.deepEqual(
      of(check(project({ '.env.etl.wex': 'CLIENT_NAME=WEX\nDB_HOST=db2\n' })), 'service-layer-undeclared'),
      [],
    );
  });
});

describe('secret-reused', () => {
  test('the same value in two environments, never printed', () => {
    const value = strong();
    const r = check(project({ 'secrets/db_password.txt': `${value}\n`, 'secrets-prod/db_password.txt': `${value}\n` }));
    const [p] = of(r, 'secret-reused');
    assert.match(
      p!.message,
      /db_password has the same value in development \(secrets\/db_password\.txt\) and production/,
    );
    assert.ok(!JSON.stringify(r).includes(value));
  });
  test('different values are fine', () => {
    assert.deepEqual(of(check(project()), 'secret-reused'), []);
  });
});

describe('secret-same-value', () => {
  test('two different secrets with one value in one environment: a warning naming both, never the value', () => {
    const value = strong();
    const r = check(project({ 'secrets/db_password.txt': `${value}\n`, 'secrets/wex/jira_token.txt': `${value}\n` }));
    const problems = of(r, 'secret-same-value');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.severity, 'warning');
    assert.match(
      problems[0]!.message,
      /^secrets db_password \(secrets\/db_password\.txt\) and jira_token@wex \(secrets\/wex\/jira_token\.txt\) hold the same value in development$/,
    );
    assert.ok(!JSON.stringify(r).includes(value));
    assert.ok(!JSON.stringify(r).includes(createHash('sha256').update(value).digest('hex')));
  });
  test('the same value in two environments is secret-reused, not this; different values are fine', () => {
    const value = strong();
    const r = check(
      project({ 'secrets/db_password.txt': `${value}\n`, 'secrets-prod/wex/jira_token.txt': `${value}\n` }),
    );
    assert.deepEqual(of(r, 'secret-same-value'), []);
    assert.deepEqual(of(check(project()), 'secret-same-value'), []);
  });
});

describe('git rules', () => {
  test('secret-tracked: a committed secret file', () => {
    const dir = project();
    git(dir, 'init', '-q');
    git(dir, 'add', 'secrets/db_password.txt');
    git(dir, 'commit', '-q', '-m', 'oops');
    const r = check(dir);
    assert.deepEqual(
      of(r, 'secret-tracked').map((p) => p.location?.file),
      ['secrets/db_password.txt'],
    );
  });
  test('secret-not-ignored: a secret file no .gitignore covers', () => {
    const dir = project();
    git(dir, 'init', '-q');
    const files = of(check(dir), 'secret-not-ignored').map((p) => p.location?.file);
    assert.ok(files.includes('secrets/wex/jira_token.txt'));
    assert.deepEqual(of(check(dir), 'secret-tracked'), []);
  });
  test('an env file that holds a secret: tracked, then merely not ignored', () => {
    const dir = project({
      'envplane.yaml': manifest([
        '    build: [pip_index_url]\n',
        '    build: [pip_index_url]\n    config: [.env.api]\n',
      ]),
      '.env.api': `db_password=${strong()}\nLOG_LEVEL=warn\n`,
      '.gitignore': 'secrets/*\nsecrets-prod/*\n!*.example\n',
    });
    git(dir, 'init', '-q');
    assert.deepEqual(
      of(check(dir), 'secret-not-ignored').map((p) => p.message),
      ['env file .env.api holds secret db_password and is not ignored by git'],
    );
    git(dir, 'add', '.env.api');
    git(dir, 'commit', '-q', '-m', 'oops');
    const r = check(dir);
    assert.deepEqual(
      of(r, 'secret-tracked').map((p) => p.message),
      ['env file .env.api holds secret db_password and is tracked by git'],
    );
    assert.deepEqual(of(r, 'secret-not-ignored'), []);
  });
  test('a store folder that is a link: judged where it leads, and the other secret files still answered', () => {
    const dir = project({ '.gitignore': 'secrets/*\nsecrets-prod/*\n!*.example\n' });
    git(dir, 'init', '-q');
    // outside the repository, nothing can commit the files (git refuses paths beyond a link: exit 128 for the batch)
    const outside = tempDir();
    renameSync(join(dir, 'secrets', 'wex'), join(outside, 'wex'));
    symlinkSync(join(outside, 'wex'), join(dir, 'secrets', 'wex'));
    assert.deepEqual(of(check(dir), 'secret-not-ignored'), []);
    // inside it, under a folder no rule ignores: those files would be committed under their real path
    rmSync(join(dir, 'secrets', 'wex'));
    renameSync(join(outside, 'wex'), join(dir, 'keep-wex'));
    symlinkSync('../keep-wex', join(dir, 'secrets', 'wex'));
    const files = of(check(dir), 'secret-not-ignored').map((p) => p.location?.file);
    assert.ok(files.includes('secrets/wex/jira_token.txt'), files.join());
    assert.ok(!files.includes('secrets/db_password.txt'), files.join());
  });
  test('a store folder that is a link, and a tenant folder not made yet beyond it: judged where the link leads', () => {
    const dir = project({ '.gitignore': 'secrets/*\nsecrets-prod/*\n!*.example\n' });
    git(dir, 'init', '-q');
    // The whole store lives outside the repository; techcorp's folder does not exist there yet. Its missing file
    // could not be committed either (it was called "not ignored": the link's target was resolved only when it existed).
    const outside = tempDir();
    renameSync(join(dir, 'secrets'), join(outside, 'secrets'));
    symlinkSync(join(outside, 'secrets'), join(dir, 'secrets'));
    rmSync(join(outside, 'secrets', 'techcorp'), { recursive: true });
    const r = check(dir);
    assert.ok(
      of(r, 'secret-missing').some((p) => p.location?.file === 'secrets/techcorp/jira_token.txt'),
      'the fixture no longer has the missing file this test is about',
    );
    assert.deepEqual(
      of(r, 'secret-not-ignored').map((p) => p.location?.file),
      [],
    );
  });
  test('ignored and untracked: neither rule fires', () => {
    const dir = project({ '.gitignore': 'secrets/*\nsecrets-prod/*\n!*.example\n' });
    git(dir, 'init', '-q');
    const r = check(dir);
    assert.deepEqual([...of(r, 'secret-tracked'), ...of(r, 'secret-not-ignored')], []);
  });
});

describe('permissions', () => {
  test('secret-file-mode: a secret file others can read', () => {
    const [p] = of(check(project({}, { 'secrets/db_password.txt': 0o644 })), 'secret-file-mode');
    assert.match(p!.message, /secrets\/db_password\.txt has mode 0644/);
  });
  test('secret-dir-mode: a store directory others can list', () => {
    const [p] = of(check(project({}, { secrets: 0o755 })), 'secret-dir-mode');
    assert.match(p!.message, /secret directory secrets has mode 0755/);
  });
  test('0600 files in 0700 directories pass', () => {
    const r = check(project({}, { 'secrets/db_password.txt': 0o600, 'secrets/wex': 0o700 }));
    assert.deepEqual([...of(r, 'secret-file-mode'), ...of(r, 'secret-dir-mode')], []);
  });
});

describe('secret-in-backup', () => {
  // The rule on constructed facts: a real project's input with the backups it would have gathered.
  const withBackups = (layerBackups: LayerBackupFact[], options: { environment?: string; service?: string } = {}) =>
    secretInBackup.run({ ...facts(project(), options), layerBackups });

  test('a backup holding declared secrets (runtime and build): its path, layer, the secret names, the rm command', () => {
    const [p, ...rest] = withBackups([
      { path: 'config/common.env.bak', layer: 'config/common.env', keys: ['DB_HOST', 'db_password', 'pip_index_url'] },
    ]);
    assert.equal(rest.length, 0);
    assert.equal(
      p!.message,
      'backup config/common.env.bak of layer config/common.env still holds secrets db_password and pip_index_url in plaintext',
    );
    assert.deepEqual(p!.location, { file: 'config/common.env.bak' });
    assert.equal(p!.related, undefined);
    assert.match(p!.hint!, /verify the migrated values.*then delete the backup: `rm config\/common\.env\.bak`$/);
  });

  test('one finding per backup (.bak and .bak.2); a path a shell would split is quoted in the hint', () => {
    const found = withBackups([
      { path: '.env.etl.wex.bak', layer: '.env.etl.wex', keys: ['jira_token'] },
      { path: '.env.etl.wex.bak.2', layer: '.env.etl.wex', keys: ['CLIENT_NAME', 'jira_token'] },
    ]);
    assert.deepEqual(
      found.map((f) => f.location?.file),
      ['.env.etl.wex.bak', '.env.etl.wex.bak.2'],
    );
    assert.match(found[0]!.message, /holds secret jira_token in plaintext$/);
    // A layer path with a space (rules see only facts, so the name need not exist here).
    const dir = project();
    const input = facts(dir);
    const spaced = secretInBackup.run({
      ...input,
      environments: input.environments.map((e) => ({ ...e, config: [...e.config, "my config/it's.env"] })),
      layerBackups: [{ path: "my config/it's.env.bak", layer: "my config/it's.env", keys: ['db_password'] }],
    });
    assert.match(spaced[0]!.hint!, /`rm 'my config\/it'\\''s\.env\.bak'`$/);
  });

  test('no finding for config-only keys, undeclared keys, or a layer outside --env / --service', () => {
    assert.deepEqual(
      withBackups([{ path: 'config/dev.env.bak', layer: 'config/dev.env', keys: ['LOG_LEVEL', 'SOMETHING_ELSE'] }]),
      [],
    );
    const prod = { path: 'config/prod.env.bak', layer: 'config/prod.env', keys: ['db_password'] };
    assert.equal(withBackups([prod]).length, 1);
    assert.deepEqual(withBackups([prod], { environment: 'dev' }), []);
    const etl = { path: '.env.etl.wex.bak', layer: '.env.etl.wex', keys: ['jira_token'] };
    assert.deepEqual(withBackups([etl], { service: 'api' }), []);
    assert.equal(withBackups([etl], { service: 'etl' }).length, 1);
  });

  test('facts: backups beside declared layers, key names only; links, other suffixes and non-env files skipped', () => {
    const value = strong();
    const dir = project({
      'config/common.env.bak': `DB_HOST=db\ndb_password=${value}\n`,
      'config/common.env.bak.2': `db_password=${value}\n`,
      'config/common.env.bak.old': `db_password=${value}\n`,
      'config/common.env.orig': `db_password=${value}\n`,
      'config/unlisted.env.bak': `db_password=${value}\n`,
      '.env.etl.wex.bak': 'CLIENT_NAME=WEX\n',
    });
    writeFileSync(join(dir, 'config', 'dev.env.bak'), Buffer.from([0x64, 0x62, 0x3d, 0xff, 0x0a])); // not UTF-8
    symlinkSync(join(dir, 'config', 'common.env.bak'), join(dir, '.env.etl.techcorp.bak'));
    const input = facts(dir);
    assert.deepEqual(input.layerBackups, [
      { path: '.env.etl.wex.bak', layer: '.env.etl.wex', keys: ['CLIENT_NAME'] },
      { path: 'config/common.env.bak', layer: 'config/common.env', keys: ['DB_HOST', 'db_password'] },
      { path: 'config/common.env.bak.2', layer: 'config/common.env', keys: ['db_password'] },
    ]);
    assert.ok(!JSON.stringify(input).includes(value), 'no value in the facts');
    const problems = of(runRules(input), 'secret-in-backup');
    assert.deepEqual(
      problems.map((p) => p.location?.file),
      ['config/common.env.bak', 'config/common.env.bak.2'],
    );
    assert.equal(problems[0]!.severity, 'warning');
    assert.ok(!JSON.stringify(problems).includes(value), 'no value in the problems');
  });
});

describe('secret-too-old', () => {
  const withMaxAge = manifest([
    'db_password: { plane: secret, generate: base64:32 }',
    'db_password: { plane: secret, generate: base64:32, maxAge: 30 }',
  ]);
  const now = new Date('2026-06-01T00:00:00Z');
  const state = (days: number) =>
    JSON.stringify({
      version: 1,
      secrets: {
        'development/db_password': {
          environment: 'development',
          secret: 'db_password',
          rotatedAt: new Date(now.getTime() - days * 86_400_000).toISOString(),
          by: 'setup',
        },
      },
    });
  test('older than maxAge by the rotation record', () => {
    const dir = project({ 'envplane.yaml': withMaxAge, '.envplane/state.json': state(40) });
    const problems = of(check(dir, { now, environment: 'development' }), 'secret-too-old');
    assert.match(problems[0]!.message, /db_password \(secrets\/db_password\.txt\) is 40 days old; its maxAge is 30/);
  });
  test('without a record, the file’s modification time counts', () => {
    const dir = project({ 'envplane.yaml': withMaxAge });
    const then = new Date(Date.now() - 45 * 86_400_000);
    utimesSync(join(dir, 'secrets-prod/db_password.txt'), then, then);
    const problems = of(check(dir, { now: new Date() }), 'secret-too-old');
    assert.equal(problems.length, 1);
  });
  test('a recent rotation passes', () => {
    const dir = project({ 'envplane.yaml': withMaxAge, '.envplane/state.json': state(10) });
    assert.deepEqual(of(check(dir, { now, environment: 'development' }), 'secret-too-old'), []);
  });
});

describe('.example drift', () => {
  test('example-missing: a secret file without a template', () => {
    const [p] = of(check(project({ 'secrets/db_password.txt.example': null })), 'example-missing');
    assert.equal(
      p!.message,
      'secret file secrets/db_password.txt (db_password) has no secrets/db_password.txt.example template',
    );
  });
  test('example-orphan: a template for no secret', () => {
    const [p] = of(check(project({ 'secrets/old_token.txt.example': 'x\n' })), 'example-orphan');
    assert.equal(p!.location?.file, 'secrets/old_token.txt.example');
  });
  test('example-orphan: found as deep as a custom tenantPattern puts files', () => {
    const dir = project({
      'envplane.yaml': manifest([
        'dir: secrets-prod }',
        'dir: secrets-prod, tenantPattern: "clients/{tenant}/{name}.txt" }',
      ]),
      'secrets-prod/clients/wex/jira_token.txt': `${strong()}\n`,
      'secrets-prod/clients/wex/jira_token.txt.example': 'your-jira-token\n',
      'secrets-prod/clients/wex/old_token.txt.example': 'x\n',
    });
    assert.deepEqual(
      of(check(dir), 'example-orphan').map((p) => p.location?.file),
      ['secrets-prod/clients/wex/old_token.txt.example'],
    );
  });
  test('tenant secrets may share one template; declared templates are not orphans', () => {
    const r = check(project());
    assert.deepEqual([...of(r, 'example-missing'), ...of(r, 'example-orphan')], []);
  });
});

describe('dockerfile rules', () => {
  test('dockerfile-secret: ENV named like a secret, ARG holding a known secret value', () => {
    const value = strong();
    const dir = project({
      'secrets/db_password.txt': `${value}\n`,
      'services/api/Dockerfile': `FROM python:3.12\nENV DB_PASSWORD=hunter2\nARG SEED=${value}\n`,
      'node_modules/x/Dockerfile': 'FROM x\nENV API_TOKEN=abc\n',
    });
    const problems = of(check(dir), 'dockerfile-secret');
    assert.deepEqual(
      problems.map((p) => `${p.location?.file}:${p.location?.line}`),
      ['services/api/Dockerfile:2', 'services/api/Dockerfile:3'],
    );
    assert.ok(!JSON.stringify(problems).includes(value));
  });
  test('dockerfile-secret: plain settings pass; a non-text file named like a Dockerfile is skipped', () => {
    const dir = project({ Dockerfile: 'FROM node:20\nENV NODE_ENV=production LOG_LEVEL=info\nARG PIP_INDEX_URL\n' });
    writeFileSync(join(dir, 'Dockerfile.bak'), Buffer.from([0x45, 0x4e, 0x56, 0x20, 0xff, 0xfe, 0x0a]));
    assert.deepEqual(of(check(dir), 'dockerfile-secret'), []);
  });
  const mount = 'RUN --mount=type=secret,id=pip_index_url,required=false \\\n    pip install -r requirements.txt\n';
  test('dockerfile-syntax: a secret mount without a syntax line; env= before 1.10', () => {
    const [none] = of(check(project({ Dockerfile: `FROM python:3.12\n${mount}` })), 'dockerfile-syntax');
    assert.equal(none!.location?.line, 2);
    const env = 'RUN --mount=type=secret,id=pip_index_url,env=PIP_INDEX_URL pip install .\n';
    const [old] = of(
      check(project({ Dockerfile: `# syntax=docker/dockerfile:1.7\nFROM python\n${env}` })),
      'dockerfile-syntax',
    );
    assert.match(old!.message, /needs docker\/dockerfile 1\.10/);
  });
  test('dockerfile-syntax: 1.7 for a file mount, 1.10 for env=', () => {
    const env = 'RUN --mount=type=secret,id=pip_index_url,env=PIP_INDEX_URL pip install .\n';
    const r1 = check(project({ Dockerfile: `# syntax=docker/dockerfile:1.7\nFROM python\n${mount}` }));
    const r2 = check(project({ Dockerfile: `# syntax=docker/dockerfile:1.10\nFROM python\n${env}` }));
    assert.deepEqual([...of(r1, 'dockerfile-syntax'), ...of(r2, 'dockerfile-syntax')], []);
  });
});

describe('isolation', () => {
  test('isolation-undeclared: a bundle holding a key the service does not declare', () => {
    const input = facts(project());
    const api = input.bundles.find((b) => b.instance.id === 'api')!;
    api.config.push({ key: 'CLIENT_NAME', plane: 'config', set: true, source: { kind: 'unset' } });
    const [p] = of(runRules(input), 'isolation-undeclared');
    assert.match(p!.message, /api receives CLIENT_NAME in development, which api does not declare/);
    assert.deepEqual(of(check(project()), 'isolation-undeclared'), []);
  });
  test('isolation-tenant: reading another tenant’s layer', () => {
    const dir = project({
      'envplane.yaml': manifest(['config: [".env.etl.{tenant}"]', 'config: [".env.etl.{tenant}", .env.etl.techcorp]']),
    });
    const messages = of(check(dir, { environment: 'dev' }), 'isolation-tenant').map((p) => p.message);
    assert.ok(messages.includes('etl@wex reads .env.etl.techcorp, the layer of tenant techcorp, in development'));
  });
  test('isolation-tenant: a per-tenant key from a shared layer, a per-tenant secret at a shared path', () => {
    const shared = check(
      project({ '.env.etl.wex': '', 'config/common.env': 'DB_HOST=db\nAPI_URL=http://x\nCLIENT_NAME=WEX\n' }),
    );
    assert.ok(
      of(shared, 'isolation-tenant').some((p) =>
        /CLIENT_NAME of etl@wex comes from config\/common\.env/.test(p.message),
      ),
    );
    const samePath = check(
      project({
        'envplane.yaml': manifest([
          'secrets: { store: files, dir: secrets }',
          'secrets: { store: files, dir: secrets, tenantPattern: "{name}.txt" }',
        ]),
        'secrets/jira_token.txt': `${strong()}\n`,
      }),
      { environment: 'dev' },
    );
    assert.ok(
      of(samePath, 'isolation-tenant').some((p) =>
        /jira_token of etl@techcorp and of etl@wex is the same location/.test(p.message),
      ),
    );
  });
  test('isolation-tenant: the baseline keeps tenants apart', () => {
    assert.deepEqual(of(check(project()), 'isolation-tenant'), []);
  });
});

describe('compose-over-grant', () => {
  const compose = (etlWex: string) => `services:
  api:
    image: shop/api
    env_file: [config/common.env, config/dev.env]
    secrets: [db_password]
  etl-wex:
    image: shop/etl
    env_file:
      - config/common.env
${etlWex}
secrets:
  db_password:
    file: ./secrets/db_password.txt
  wex_jira:
    file: ./secrets/wex/jira_token.txt
  techcorp_jira:
    file: ./secrets/techcorp/jira_token.txt
`;
  test('etl-wex granted techcorp’s secret and env file: errors with file:line', () => {
    const dir = project({
      'docker-compose.yml': compose('      - .env.etl.techcorp\n    secrets:\n      - wex_jira\n      - techcorp_jira'),
    });
    const problems = of(check(dir), 'compose-over-grant');
    const lines = problems.map((p) => `${p.location?.file}:${p.location?.line} ${p.message}`);
    assert.ok(
      lines.some((l) => l.startsWith('docker-compose.yml:10 ') && l.includes('env_file .env.etl.techcorp')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith('docker-compose.yml:13 ') && l.includes('jira_token of tenant techcorp')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.includes('granted values of tenants techcorp, wex at once')),
      lines.join('\n'),
    );
  });
  test('a secret in a service’s environment:, and a config key the service does not declare', () => {
    const dir = project({
      'docker-compose.yml': compose(
        '      - .env.etl.wex\n    environment:\n      DB_PASSWORD: hunter2\n      LOG_LEVEL: debug',
      ),
    });
    const lines = of(check(dir), 'compose-over-grant')
      .filter((p) => !p.message.includes('through env_file')) // the public API_URL of common.env: see test/correct
      .map((p) => `${p.location?.line} ${p.message}`);
    assert.deepEqual(lines, [
      '12 docker-compose.yml gives etl-wex secret db_password as the environment variable DB_PASSWORD',
      '13 docker-compose.yml gives etl-wex LOG_LEVEL, which the manifest does not give it',
    ]);
  });
  test('granting what the manifest gives passes', () => {
    const dir = project({
      'docker-compose.yml': compose(
        '      - .env.etl.wex\n    secrets:\n      - wex_jira\n    environment:\n      DB_HOST: db\n      TZ: UTC',
      ),
    });
    // common.env also carries API_URL, which neither api nor etl declares: a warning per service, nothing else.
    assert.deepEqual(
      of(check(dir), 'compose-over-grant').map((p) => [p.severity, p.service, p.key]),
      [
        ['warning', 'api', 'API_URL'],
        ['warning', 'etl-wex', 'API_URL'],
      ],
    );
  });
});

describe('silence', () => {
  test('a silenced problem is listed with its reason, not counted', () => {
    const text = `${manifest(['  API_URL: public\n', '  API_URL: public\n  LEGACY_FLAG: config\n'])}  - { rule: unused-key, key: LEGACY_FLAG, reason: "read by the old cron job" }\n`;
    const r = check(
      project({ 'envplane.yaml': text, 'config/common.env': 'DB_HOST=db\nAPI_URL=http://x\nLEGACY_FLAG=1\nOTHER=1\n' }),
    );
    assert.deepEqual(
      of(r, 'unused-key').map((p) => p.key),
      ['OTHER'],
    );
    assert.deepEqual(
      r.silenced.filter((s) => s.rule === 'unused-key').map((s) => [s.rule, s.key, s.reason]),
      [['unused-key', 'LEGACY_FLAG', 'read by the old cron job']],
    );
  });
});
