import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, copyExample, hashTree, runCli, tempDir } from '../_helpers.ts';

const mode = (p: string) => statSync(p).mode & 0o777;
const read = (p: string) => readFileSync(p, 'utf8').replace(/\n$/, '');

/** The second seed after `migrate`: the secrets no longer sit in its env files, so the store must hold them. */
function serviceScopedWithoutLayerSecrets(): string {
  const dir = copyExample('service-scoped');
  const secretKeys = /^(POSTGRES_PASSWORD|JWT_SECRET_KEY|SESSION_SECRET_KEY|ENCRYPTION_KEY|JIRA_TOKEN|GITHUB_TOKEN)=/;
  for (const name of readdirSync(dir).filter((n) => n.startsWith('.env.') && !n.endsWith('.example'))) {
    const p = join(dir, name);
    writeFileSync(
      p,
      readFileSync(p, 'utf8')
        .split('\n')
        .filter((l) => !secretKeys.test(l))
        .join('\n'),
    );
  }
  return dir;
}

function gitIgnored(dir: string, path: string): boolean {
  const r = spawnSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: dir });
  assert.equal(r.error, undefined, 'git is required for this test');
  assert.ok(r.status === 0 || r.status === 1, `git check-ignore failed: ${r.stderr}`);
  return r.status === 0;
}

describe('setup on the first seed (four-planes)', () => {
  it('generates, copies, writes 0600 files in a 0700 folder, and a second run changes nothing', () => {
    const dir = copyExample('four-planes');
    const examples = Object.fromEntries(
      readdirSync(join(dir, 'secrets')).map((n) => [n, readFileSync(join(dir, 'secrets', n), 'utf8')]),
    );
    const r = runCli(['setup'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const secrets = join(dir, 'secrets');
    assert.equal(mode(secrets), 0o700);
    for (const name of ['postgres_password', 'secret_key']) {
      const value = read(join(secrets, `${name}.txt`));
      assert.equal(Buffer.from(value, 'base64').length, 32, `${name} is base64 of 32 bytes`);
      assert.match(value, /^[A-Za-z0-9+/]{43}=$/);
      assert.equal(mode(join(secrets, `${name}.txt`)), 0o600);
    }
    assert.notEqual(read(join(secrets, 'postgres_password.txt')), read(join(secrets, 'secret_key.txt')));
    for (const name of ['openai_api_key', 'aws_access_key_id', 'aws_secret_access_key', 'pip_extra_index_url']) {
      assert.equal(readFileSync(join(secrets, `${name}.txt`), 'utf8'), examples[`${name}.txt.example`]);
      assert.equal(mode(join(secrets, `${name}.txt`)), 0o600);
    }
    // Templates that existed are untouched.
    for (const [name, text] of Object.entries(examples)) assert.equal(readFileSync(join(secrets, name), 'utf8'), text);
    assert.match(r.stdout, /generated[\s\S]*secrets\/postgres_password\.txt/);
    assert.match(r.stdout, /needs a real value[\s\S]*secrets\/openai_api_key\.txt/);
    assert.match(r.stdout, /Reactrine_postgres_password/);
    assert.equal(mode(join(dir, '.envplane')), 0o700);
    assert.equal(mode(join(dir, '.envplane', 'audit.log')), 0o600);
    assert.equal(mode(join(dir, '.envplane', 'state.json')), 0o600);

    const before = hashTree(dir);
    const again = runCli(['setup'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(hashTree(dir), before);
    assert.match(again.stdout, /nothing to do/);
  });

  it('never overwrites an existing secret file, even an empty one; narrows a wide mode', () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, 'secrets', 'postgres_password.txt'), 'mine\n', { mode: 0o644 });
    writeFileSync(join(dir, 'secrets', 'secret_key.txt'), '');
    const r = runCli(['setup', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'secrets', 'postgres_password.txt'), 'utf8'), 'mine\n');
    assert.equal(mode(join(dir, 'secrets', 'postgres_password.txt')), 0o600);
    assert.equal(readFileSync(join(dir, 'secrets', 'secret_key.txt'), 'utf8'), '');
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.generated, []);
    assert.ok(
      out.needed.some((n: { secret: string; reason: string }) => n.secret === 'secret_key' && n.reason === 'empty'),
    );
    assert.ok(out.existing.some((n: { secret: string }) => n.secret === 'postgres_password'));
  });

  it('--dry-run writes nothing', () => {
    const dir = copyExample('four-planes');
    const before = hashTree(dir);
    const r = runCli(['setup', '--dry-run'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /would generate/);
    assert.deepEqual(hashTree(dir), before);
  });

  it('an external-store environment alone writes nothing and names the external secrets', () => {
    const dir = copyExample('four-planes');
    const before = hashTree(dir);
    const r = runCli(['setup', '--env', 'prod', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(hashTree(dir), before);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.external.map((e: { name: string }) => e.name).sort(), [
      'Reactrine_aws_access_key_id',
      'Reactrine_aws_secret_access_key',
      'Reactrine_openai_api_key',
      'Reactrine_pip_extra_index_url',
      'Reactrine_postgres_password',
      'Reactrine_secret_key',
    ]);
  });

  it('.gitignore keeps real secret files and state out of git, not the templates (real git check-ignore)', () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\n/secrets/*\n');
    assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
    assert.equal(spawnSync('git', ['init', '-q'], { cwd: dir }).status, 0);
    for (const p of ['secrets/postgres_password.txt', 'secrets/openai_api_key.txt', '.envplane/audit.log', '.env'])
      assert.ok(gitIgnored(dir, p), `${p} must be ignored`);
    for (const p of ['secrets/postgres_password.txt.example', 'secrets/.gitkeep', 'envplane.yaml', 'config/dev.env'])
      assert.ok(!gitIgnored(dir, p), `${p} must not be ignored`);
    const text = readFileSync(join(dir, '.gitignore'), 'utf8');
    assert.ok(text.startsWith('node_modules/\n/secrets/*\n'), 'existing lines stay first and unchanged');
    assert.equal(text.match(/^\/secrets\/\*$/gm)?.length, 1, 'a line already there is not added again');
  });
});

describe('setup on the second seed (service-scoped)', () => {
  it('as written: secrets in config files are reported, not copied into the store', () => {
    const dir = copyExample('service-scoped');
    const r = runCli(['setup', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.generated, []);
    const layer = out.inConfigFiles.map((n: { secret: string; tenant: string | null; file: string }) =>
      [n.secret, n.tenant, n.file].join(' '),
    );
    assert.ok(layer.includes('POSTGRES_PASSWORD  .env.shared'));
    assert.ok(layer.includes('ENCRYPTION_KEY wex .env.etl.wex'));
    assert.ok(layer.includes('JIRA_TOKEN acme .env.etl.acme'));
    assert.equal(mode(join(dir, 'secrets')), 0o700);
    const before = hashTree(dir);
    const text = runCli(['setup'], { cwd: dir });
    assert.match(text.stdout, /envplane migrate/);
    assert.deepEqual(hashTree(dir), before, 'a second run changes nothing');
  });

  it('after migrate: per-tenant values in secrets/<tenant>/, 0600 in 0700 folders, templates, idempotent, ignored', () => {
    const dir = serviceScopedWithoutLayerSecrets();
    const r = runCli(['setup'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['POSTGRES_PASSWORD', 'JWT_SECRET_KEY', 'SESSION_SECRET_KEY']) {
      const p = join(dir, 'secrets', `${name}.txt`);
      assert.equal(Buffer.from(read(p), 'base64').length, 32);
      assert.equal(mode(p), 0o600);
    }
    const keys = new Set<string>();
    for (const tenant of ['wex', 'techcorp', 'acme']) {
      const tdir = join(dir, 'secrets', tenant);
      assert.equal(mode(tdir), 0o700);
      const p = join(tdir, 'ENCRYPTION_KEY.txt');
      assert.equal(mode(p), 0o600);
      keys.add(read(p));
      // No generation rule, no template of the user's: a placeholder template is written, no value is invented.
      assert.equal(existsSync(join(tdir, 'JIRA_TOKEN.txt')), false);
      assert.match(read(join(tdir, 'JIRA_TOKEN.txt.example')), /^replace with Jira API token of the client for tenant/);
      assert.match(r.stdout, new RegExp(`secrets/${tenant}/JIRA_TOKEN\\.txt`));
    }
    assert.equal(keys.size, 3, 'each tenant has its own value');
    assert.match(r.stdout, /still needed/);

    const before = hashTree(dir);
    assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
    assert.deepEqual(hashTree(dir), before);

    assert.equal(spawnSync('git', ['init', '-q'], { cwd: dir }).status, 0);
    assert.ok(gitIgnored(dir, 'secrets/wex/ENCRYPTION_KEY.txt'));
    assert.ok(gitIgnored(dir, 'secrets/POSTGRES_PASSWORD.txt'));
    assert.ok(!gitIgnored(dir, 'secrets/wex/JIRA_TOKEN.txt.example'));
    assert.ok(!gitIgnored(dir, 'secrets/.gitkeep'));
    assert.ok(!gitIgnored(dir, '.env.shared'));
  });
});

describe('setup: hostile disks', () => {
  it('under umask 000 secret files are still 0600 and folders 0700; templates and .gitkeep 0644, as documented', () => {
    const dir = serviceScopedWithoutLayerSecrets();
    const r = spawnSync('sh', ['-c', `umask 000; exec "${process.execPath}" "${CLI}" setup`], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (lstatSync(p).isDirectory()) {
          assert.equal(mode(p), 0o700, p);
          walk(p);
        } else assert.equal(mode(p), name === '.gitkeep' || name.endsWith('.example') ? 0o644 : 0o600, p);
      }
    };
    walk(join(dir, 'secrets'));
    walk(join(dir, '.envplane'));
    assert.equal(mode(join(dir, 'secrets', 'wex', 'ENCRYPTION_KEY.txt')), 0o600);
  });

  it('a symlinked secret file is refused (exit 2) and its target is untouched; nothing else is written', () => {
    const dir = copyExample('four-planes');
    const outside = join(tempDir(), 'target.txt');
    writeFileSync(outside, 'outside\n', { mode: 0o644 });
    symlinkSync(outside, join(dir, 'secrets', 'postgres_password.txt'));
    const before = hashTree(dir);
    const r = runCli(['setup'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /symbolic link secrets\/postgres_password\.txt/);
    assert.equal(readFileSync(outside, 'utf8'), 'outside\n');
    assert.equal(mode(outside), 0o644);
    assert.deepEqual(hashTree(dir), before);
  });

  it('a symlinked secrets folder or tenant folder is refused', () => {
    const dir = serviceScopedWithoutLayerSecrets();
    const elsewhere = tempDir();
    mkdirSync(join(dir, 'secrets'), { recursive: true });
    symlinkSync(elsewhere, join(dir, 'secrets', 'wex'));
    const r = runCli(['setup'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /symbolic link secrets\/wex/);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it('removes temp files left by a killed run, and keeps those of a writer still running', () => {
    const dir = copyExample('four-planes');
    // A pid that has exited (the temp name carries its writer's pid), and one that is alive: this test process.
    const dead = spawnSync('true').pid;
    const stale = join(dir, 'secrets', `.envplane-tmp-${dead}-abcdef-secret_key.txt`);
    const inFlight = join(dir, 'secrets', `.envplane-tmp-${process.pid}-123456-secret_key.txt`);
    writeFileSync(stale, 'half');
    writeFileSync(inFlight, 'being written');
    const r = runCli(['setup', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).removedTempFiles, 1);
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(inFlight), true, 'an in-flight write of a live process was removed');
  });
});

describe('setup: paths that would leave the store', () => {
  it('a store pattern with ".." is refused by setup and rotate, and nothing is written', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'envplane.yaml'),
      `project: t
environments:
  development:
    secrets: { store: files, dir: secrets, pattern: "../../{name}.txt" }
keys:
  escaped: { plane: secret, generate: hex:16 }
services:
  web: { uses: [escaped] }
`,
    );
    const before = hashTree(dir);
    for (const args of [['setup'], ['rotate', 'escaped', '--env', 'development']]) {
      const r = runCli(args, { cwd: dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /outside the store secrets/);
    }
    assert.deepEqual(hashTree(dir), before);
    assert.equal(existsSync(join(dir, '..', '..', 'escaped.txt')), false);
  });
});
