/**
 * A files store with its own `pattern` and `tenantPattern` (docs/manifest.md, "Secret stores"): every command that
 * touches the store uses the paths the patterns give — setup creates the files and templates there, run delivers
 * from there, rotate writes and rolls back there, check's rules look there — and nothing appears at the default
 * paths. Two layouts: nested folders (tenants two levels down), and flat names without an extension.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hashTree, runCli, tempDir } from '../_helpers.ts';

interface Layout {
  name: string;
  pattern: string;
  tenantPattern: string;
  /** Where the patterns put each secret, relative to the project. */
  db: string;
  token: (tenant: string) => string;
  partner: (tenant: string) => string;
}

const LAYOUTS: Layout[] = [
  {
    name: 'nested folders',
    pattern: 'runtime/{name}.secret',
    tenantPattern: 'clients/{tenant}/{name}.secret',
    db: 'vault/runtime/db_password.secret',
    token: (t) => `vault/clients/${t}/api_token.secret`,
    partner: (t) => `vault/clients/${t}/partner_key.secret`,
  },
  {
    name: 'flat names',
    pattern: '{name}',
    tenantPattern: '{name}.{tenant}',
    db: 'vault/db_password',
    token: (t) => `vault/api_token.${t}`,
    partner: (t) => `vault/partner_key.${t}`,
  },
];

const TENANTS = ['wex', 'acme'];

function project(layout: Layout): string {
  const dir = tempDir('envplane-pattern-');
  writeFileSync(
    join(dir, 'envplane.yaml'),
    `project: custom
environments:
  development:
    aliases: [dev]
    config: [config.env]
    secrets: { store: files, dir: vault, pattern: "${layout.pattern}", tenantPattern: "${layout.tenantPattern}" }
tenants: [${TENANTS.join(', ')}]
keys:
  DB_HOST: config
  db_password: { plane: secret, generate: hex:32 }
  api_token: { plane: secret, perTenant: true, generate: hex:32 }
  partner_key: { plane: secret, perTenant: true, description: "key the partner gives us" }
services:
  api: { uses: [DB_HOST, db_password] }
  worker: { perTenant: true, uses: [DB_HOST, db_password, api_token, partner_key] }
`,
  );
  writeFileSync(join(dir, 'config.env'), 'DB_HOST=db\n');
  return dir;
}

const mode = (path: string) => statSync(path).mode & 0o777;
const value = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8').replace(/\n$/, '');

/** Every file under `vault/`, project-relative. */
function storeFiles(dir: string): string[] {
  return readdirSync(join(dir, 'vault'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${join(e.parentPath, e.name).slice(dir.length + 1)}`)
    .sort();
}

/** `vault/clients/wex/x` → vault, vault/clients, vault/clients/wex. */
function folders(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function gitIgnored(dir: string, path: string): boolean {
  const r = spawnSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: dir });
  assert.ok(r.status === 0 || r.status === 1, `git check-ignore: ${r.error ?? r.stderr}`);
  return r.status === 0;
}

/** What an instance's child process reads through each `<NAME>_FILE` variable. */
function delivered(dir: string, service: string, tenant?: string): Record<string, string> {
  const probe =
    "const fs=require('fs');const o={};for(const k of ['DB_PASSWORD_FILE','API_TOKEN_FILE','PARTNER_KEY_FILE'])if(process.env[k])o[k]=fs.readFileSync(process.env[k],'utf8');process.stdout.write(JSON.stringify(o))";
  const r = runCli(
    ['run', '--env', 'dev', '-s', service, ...(tenant ? ['-t', tenant] : []), '--', 'node', '-e', probe],
    {
      cwd: dir,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('a files store with a custom pattern and tenantPattern', () => {
  for (const layout of LAYOUTS)
    it(`${layout.name}: setup, run, rotate and rollback use the patterns' paths and no other`, () => {
      const dir = project(layout);
      assert.equal(spawnSync('git', ['init', '-q'], { cwd: dir }).status, 0, 'git is required for this test');

      // setup: generated values and templates where the patterns say, 0600 in 0700 folders.
      const setup = runCli(['setup', '--env', 'dev'], { cwd: dir });
      assert.equal(setup.code, 0, setup.stderr);
      const generated = [layout.db, ...TENANTS.map(layout.token)];
      const templates = [...generated, ...TENANTS.map(layout.partner)].map((p) => `${p}.example`);
      assert.deepEqual(storeFiles(dir), [...generated, ...templates, 'vault/.gitkeep'].sort());
      for (const path of generated) {
        assert.match(value(dir, path), /^[0-9a-f]{64}$/, path);
        assert.equal(mode(join(dir, path)), 0o600, path);
        assert.ok(setup.stdout.includes(path), `setup names ${path}`);
        for (const folder of folders(path)) assert.equal(mode(join(dir, folder)), 0o700, folder);
      }
      for (const tenant of TENANTS)
        assert.match(
          setup.stdout,
          new RegExp(`${layout.partner(tenant).replaceAll('.', '\\.')}\\s+partner_key@${tenant}`),
        );
      for (const path of [
        ...generated,
        ...TENANTS.map(layout.partner).map((p) => `${p}.previous`),
        '.envplane/audit.log',
      ])
        assert.ok(gitIgnored(dir, path), `${path} must be ignored`);
      for (const path of [...templates, 'vault/.gitkeep'])
        assert.ok(!gitIgnored(dir, path), `${path} must stay committable`);
      const afterSetup = hashTree(dir);
      assert.equal(runCli(['setup', '--env', 'dev'], { cwd: dir }).code, 0);
      assert.deepEqual(hashTree(dir), afterSetup, 'a second setup changes nothing');

      // run refuses to start without the partner's key, naming the file the pattern gives.
      const missing = runCli(['run', '--env', 'dev', '-s', 'worker', '-t', 'wex', '--', 'true'], { cwd: dir });
      assert.equal(missing.code, 2, missing.stderr);
      assert.ok(missing.stderr.includes(layout.partner('wex')), missing.stderr);

      // rotate --from-stdin writes at the tenant's path, and only there.
      for (const tenant of TENANTS) {
        const r = runCli(['rotate', 'partner_key', '--env', 'dev', '--tenant', tenant, '--from-stdin'], {
          cwd: dir,
          input: `partner-${tenant}-value\n`,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.includes(layout.partner(tenant)), r.stdout);
        assert.equal(value(dir, layout.partner(tenant)), `partner-${tenant}-value`);
        assert.equal(mode(join(dir, layout.partner(tenant))), 0o600);
      }

      // run delivers from the patterns' paths: each tenant its own files.
      assert.deepEqual(delivered(dir, 'api'), { DB_PASSWORD_FILE: value(dir, layout.db) });
      for (const tenant of TENANTS)
        assert.deepEqual(delivered(dir, 'worker', tenant), {
          DB_PASSWORD_FILE: value(dir, layout.db),
          API_TOKEN_FILE: value(dir, layout.token(tenant)),
          PARTNER_KEY_FILE: `partner-${tenant}-value`,
        });

      // rotate a generated secret of one tenant: new value at its path, the old one beside it; the other tenant's
      // file does not move; run sees the new value; rollback restores the old one.
      const before = { wex: value(dir, layout.token('wex')), acme: value(dir, layout.token('acme')) };
      const rotated = runCli(['rotate', 'api_token', '--env', 'dev', '--tenant', 'wex'], { cwd: dir });
      assert.equal(rotated.code, 0, rotated.stderr);
      const now = value(dir, layout.token('wex'));
      assert.match(now, /^[0-9a-f]{64}$/);
      assert.notEqual(now, before.wex);
      assert.equal(value(dir, `${layout.token('wex')}.previous`), before.wex);
      assert.equal(value(dir, layout.token('acme')), before.acme);
      assert.equal(delivered(dir, 'worker', 'wex').API_TOKEN_FILE, now);
      const back = runCli(['rotate', 'api_token', '--env', 'dev', '--tenant', 'wex', '--rollback'], { cwd: dir });
      assert.equal(back.code, 0, back.stderr);
      assert.equal(value(dir, layout.token('wex')), before.wex);
      assert.equal(delivered(dir, 'worker', 'wex').API_TOKEN_FILE, before.wex);

      // Nothing was ever written at the default paths.
      for (const path of ['vault/db_password.txt', ...TENANTS.map((t) => `vault/${t}/api_token.txt`)])
        assert.ok(!existsSync(join(dir, path)), `${path} exists`);
      assert.deepEqual(
        storeFiles(dir).filter((p) => !p.endsWith('.example') && !p.endsWith('.previous')),
        [...generated, ...TENANTS.map(layout.partner), 'vault/.gitkeep'].sort(),
      );
    });

  it('check looks at the patterns’ paths: missing, loosened, orphaned, and a loosened tenant folder', () => {
    const layout = LAYOUTS[0]!;
    const dir = project(layout);
    assert.equal(runCli(['setup', '--env', 'dev'], { cwd: dir }).code, 0);
    writeFileSync(join(dir, layout.partner('wex')), 'Kq3vX9zLm2Rt8WpY4nBc7Hd1Fg6Js0Ae\n', { mode: 0o600 });
    const problems = () => {
      const r = runCli(['check', '--env', 'dev', '--json'], { cwd: dir });
      const out = JSON.parse(r.stdout) as { problems: { rule: string; location?: { file: string } }[] };
      return { code: r.code, found: out.problems.map((p) => `${p.rule} ${p.location?.file ?? ''}`).sort() };
    };
    // Only acme's partner key is missing, and check names the file the tenantPattern gives.
    assert.deepEqual(problems().found, [`secret-missing ${layout.partner('acme')}`]);

    writeFileSync(join(dir, layout.partner('acme')), 'Vb8Nc2Xz5Lk7Jh4Gf1Ds9Qw3Er6Ty0Ui\n', { mode: 0o600 });
    assert.deepEqual(problems(), { code: 0, found: [] });

    chmodSync(join(dir, layout.token('acme')), 0o644);
    chmodSync(join(dir, 'vault/clients/wex'), 0o755);
    writeFileSync(join(dir, 'vault/clients/wex/old_token.secret.example'), 'your-old-token\n');
    rmSync(join(dir, layout.db));
    const { code, found } = problems();
    assert.equal(code, 1);
    assert.deepEqual(
      found,
      [
        `secret-file-mode ${layout.token('acme')}`,
        'secret-dir-mode vault/clients/wex',
        'example-orphan vault/clients/wex/old_token.secret.example',
        `secret-missing ${layout.db}`,
      ].sort(),
    );
    const text = runCli(['check', '--env', 'dev'], { cwd: dir });
    assert.match(text.stdout, new RegExp(`chmod 600 ${layout.token('acme')}`));
  });
});
