/**
 * `envplane export`: exactly one instance's keys, mode 0600, values that Compose's parser (envplane's own, which
 * passes compose-go's conformance cases), npm dotenv and docker-compose read back unchanged; refusals before
 * anything is written; no secret value on any output unless asked for.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as npmDotenvParse } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { parseDotenv, serializeDotenv } from '../../src/dotenv/index.ts';
import { copyExample, hashTree, runCli, tempDir } from '../_helpers.ts';
import { expectedBundle, fourPlanesWithSecrets, instancesOf } from '../run/_project.ts';

const DOCKER_COMPOSE = '/usr/bin/docker-compose';

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
}

function exportedValues(path: string): Record<string, string> {
  return parseDotenv(readFileSync(path, 'utf8'), {});
}

describe('export: exactly the instance’s keys', () => {
  test('four-planes backend: config values and secret-file pointers, mode 0600, read back by three parsers', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const r = runCli(['export', '--env', 'dev', '--service', 'backend', '-o', 'out/backend.env'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const file = join(dir, 'out', 'backend.env');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'out')).mode & 0o777, 0o700);
    const expected = expectedBundle(dir, 'development', 'backend');
    const want: Record<string, string> = { ...expected.config };
    for (const [name, { fileEnv }] of Object.entries(expected.secrets))
      want[fileEnv] = join(dir, 'secrets', `${name}.txt`);
    assert.deepEqual(exportedValues(file), want);
    assert.deepEqual(npmDotenvParse(readFileSync(file)), want);
    const text = readFileSync(file, 'utf8');
    for (const value of Object.values(canaries)) assert.ok(!`${text}${r.stdout}${r.stderr}`.includes(value));
  });

  test('every instance of both examples gets exactly its keys; etl@wex holds no other tenant’s value', () => {
    for (const example of ['four-planes', 'service-scoped'] as const) {
      const dir = example === 'four-planes' ? fourPlanesWithSecrets().dir : copyExample(example);
      for (const [service, tenant] of instancesOf(dir)) {
        const out = join(dir, 'exported', `${service}-${tenant ?? 'x'}.env`);
        const args = ['export', '--env', 'development', '--service', service, ...(tenant ? ['--tenant', tenant] : [])];
        const r = runCli([...args, '-o', out, '--include-secrets'], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        const expected = expectedBundle(dir, 'development', service, tenant);
        const want: Record<string, string> = { ...expected.config };
        for (const [name, { value }] of Object.entries(expected.secrets)) want[name.toUpperCase()] = value;
        assert.deepEqual(exportedValues(out), want, `${example} ${service}@${tenant}`);
        if (tenant) {
          const text = readFileSync(out, 'utf8').toLowerCase();
          for (const other of ['wex', 'techcorp', 'acme'].filter((t) => t !== tenant))
            assert.ok(!text.includes(other), `etl@${tenant} export holds a ${other} value`);
        }
      }
    }
  });

  test('service-scoped etl@wex without --include-secrets: secrets in config files are left out, with a warning', () => {
    const dir = copyExample('service-scoped');
    const r = runCli(['export', '--env', 'dev', '--service', 'etl', '--tenant', 'wex', '-o', 'services/etl/.env'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const values = exportedValues(join(dir, 'services', 'etl', '.env'));
    assert.deepEqual(Object.keys(values).sort(), [
      'BACKEND_SERVICE_URL',
      'CLIENT_NAME',
      'POSTGRES_DATABASE',
      'POSTGRES_HOST',
      'POSTGRES_PORT',
      'POSTGRES_USER',
      'REDIS_HOST',
      'REDIS_PORT',
    ]);
    assert.match(r.stderr, /JIRA_TOKEN lives in \.env\.etl\.wex:8 \(a config file\)/);
    for (const v of ['wex-jira-api-token', 'wex-github-api-token', 'wex-etl-encryption-key'])
      assert.ok(!`${r.stdout}${r.stderr}`.includes(v));
  });
});

/** Values that break naive writers: `$`, `#`, both quotes, spaces, line breaks, backslashes, injection attempts. */
const TRICKY: Record<string, string> = {
  DOLLAR: 'a$b $HOME ${X} $$ $(id)',
  HASH: 'a #b # c',
  DOUBLE_QUOTES: 'say "hi"',
  SINGLE_QUOTE: "it's",
  BOTH_QUOTES: `it's "both" \`tick\``,
  SPACES: '  padded  ',
  NEWLINES: 'line1\nline2\r\nline3',
  BACKSLASH: 'c:\\path\\new \\n',
  UNICODE: 'ключ ✓ 🔑',
  EMPTY: '',
  INJECT: 'x"\nBASH_ENV=$(touch /tmp/pwned)',
};
const TRICKY_SECRET = "se\"cr$et\nwith #all 'of' it ";

/** A small real project whose layer holds every tricky value (written, then read back by `envplane env`). */
function trickyProject(): string {
  const dir = tempDir('envplane-tricky-');
  const keys = Object.keys(TRICKY)
    .map((k) => `  ${k}: config`)
    .join('\n');
  writeFileSync(
    join(dir, 'envplane.yaml'),
    `project: tricky
environments:
  development:
    config: [config/app.env]
    secrets: { store: files, dir: secrets }
keys:
${keys}
  db_password: { plane: secret, fileEnv: DB_PASSWORD_FILE }
services:
  app:
    uses: [${Object.keys(TRICKY).join(', ')}, db_password]
`,
  );
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'config', 'app.env'), serializeDotenv(TRICKY));
  writeFileSync(join(dir, 'secrets', 'db_password.txt'), `${TRICKY_SECRET}\n`, { mode: 0o600 });
  return dir;
}

describe('export: values survive the round trip', () => {
  test('the bundle (as `envplane env --json` reports it) equals the exported file, re-parsed', () => {
    const dir = trickyProject();
    const env = runCli(['env', '--env', 'development', '--service', 'app', '--json'], { cwd: dir });
    assert.equal(env.code, 0, env.stderr);
    const bundle = JSON.parse(env.stdout) as { config: Record<string, { value: string | null }> };
    const bundleValues = Object.fromEntries(Object.entries(bundle.config).map(([k, v]) => [k, v.value]));
    assert.deepEqual(bundleValues, TRICKY, 'precondition: the layer holds the tricky values');

    const r = runCli(['export', '--env', 'development', '--service', 'app', '-o', 'app.env', '--include-secrets'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const out = join(dir, 'app.env');
    const values = exportedValues(out);
    assert.deepEqual(values, { ...TRICKY, DB_PASSWORD: TRICKY_SECRET });
    assert.ok(!existsSync('/tmp/pwned'));
    // Exactly one line per key plus the header: nothing injected a second assignment.
    assert.equal(Object.keys(values).length, Object.keys(TRICKY).length + 1);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(TRICKY_SECRET.slice(0, 9)), 'a secret value on output');

    // npm dotenv reads every value the serializer does not warn about exactly as written.
    const npm = npmDotenvParse(readFileSync(out));
    const warned = new Set([...r.stderr.matchAll(/warning: ([A-Z_]+): npm dotenv/g)].map((m) => m[1]!));
    for (const [key, value] of Object.entries(values))
      if (!warned.has(key)) assert.equal(npm[key], value, `npm dotenv reads ${key} differently without a warning`);
    assert.ok(warned.has('INJECT'), 'the serializer’s portability warnings are printed');
  });

  test('docker-compose reads the exported file (env_file) as the same values', () => {
    assert.ok(existsSync(DOCKER_COMPOSE), `${DOCKER_COMPOSE} is required (apt-get install docker-compose)`);
    const dir = trickyProject();
    assert.equal(runCli(['export', '--env', 'development', '--service', 'app', '-o', 'app.env'], { cwd: dir }).code, 0);
    writeFileSync(join(dir, 'compose.yml'), 'services:\n  app:\n    image: busybox\n    env_file: [app.env]\n');
    const r = spawnSync(DOCKER_COMPOSE, ['-f', 'compose.yml', 'config'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    const seen = parseYaml(r.stdout, { version: '1.1' }).services.app.environment as Record<string, string>;
    for (const [key, value] of Object.entries(TRICKY)) {
      // Compose v1 (python-dotenv) interpolates `${X}` even inside single quotes, and keeps `\$` inside double
      // quotes (which a value with `'` or a line break needs) literally; compose-go, which envplane follows, does not.
      if (value.includes('${') || (value.includes('$') && /['\n\r]/.test(value))) continue;
      assert.equal(String(seen[key]).replaceAll('$$', '$'), value, `docker-compose reads ${key} differently`);
    }
    assert.equal(seen.DB_PASSWORD_FILE, join(dir, 'secrets', 'db_password.txt'));
  });
});

describe('export: refusals (nothing is written)', () => {
  function gitProject(): string {
    const { dir } = fourPlanesWithSecrets();
    git(dir, 'init', '-q');
    git(dir, 'config', 'user.email', 'test@example.com');
    git(dir, 'config', 'user.name', 'test');
    writeFileSync(join(dir, '.gitignore'), 'secrets/*.txt\nignored/\n');
    writeFileSync(join(dir, 'tracked.env'), 'OLD=1\n');
    git(dir, 'add', '.gitignore', 'tracked.env', 'envplane.yaml', 'config');
    git(dir, 'commit', '-q', '-m', 'init');
    return dir;
  }
  const args = ['export', '--env', 'dev', '--service', 'backend', '-o'];

  test('a file git tracks: exit 2, unchanged; --force writes it', () => {
    const dir = gitProject();
    const before = hashTree(dir);
    const r = runCli([...args, 'tracked.env'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /git tracks it/);
    assert.deepEqual(hashTree(dir), before);
    const forced = runCli([...args, 'tracked.env', '--force'], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(exportedValues(join(dir, 'tracked.env')).POSTGRES_DB, 'app');
  });

  test('a file .gitignore does not cover: exit 2, not created; an ignored one is written; --force', () => {
    const dir = gitProject();
    const before = hashTree(dir);
    const r = runCli([...args, 'services/backend/.env'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.gitignore does not cover it/);
    assert.deepEqual(hashTree(dir), before);
    assert.equal(runCli([...args, 'ignored/deep/backend.env'], { cwd: dir }).code, 0);
    assert.equal(statSync(join(dir, 'ignored', 'deep', 'backend.env')).mode & 0o777, 0o600);
    assert.equal(runCli([...args, 'services/backend/.env', '--force'], { cwd: dir }).code, 0);
    assert.ok(existsSync(join(dir, 'services', 'backend', '.env')));
  });

  test('one of the instance’s own layer files, the manifest or a secret file: refused even with --force', () => {
    const dir = gitProject();
    const before = hashTree(dir);
    const inputs = [
      'config/common.env',
      'config/dev.env',
      './config/../config/dev.env',
      'envplane.yaml',
      'secrets/secret_key.txt',
    ];
    for (const target of inputs) {
      const r = runCli([...args, target, '--force'], { cwd: dir });
      assert.equal(r.code, 2, target);
      assert.match(r.stderr, /it is an input of this project/);
    }
    // from a subfolder, relative to the current folder
    const sub = runCli([...args, '../config/dev.env', '--force'], { cwd: join(dir, 'config') });
    assert.equal(sub.code, 2);
    assert.deepEqual(hashTree(dir), before);
  });

  test('a FIFO or a folder at -o: exit 2, left as it was (a rename would replace it, as it once did /dev/null)', () => {
    const dir = gitProject();
    mkdirSync(join(dir, 'ignored', 'out.env'), { recursive: true });
    const made = spawnSync('mkfifo', [join(dir, 'ignored', 'pipe.env')]);
    assert.equal(made.status, 0, String(made.stderr));
    for (const [target, what] of [
      ['ignored/pipe.env', /not a regular file/],
      ['ignored/out.env', /a directory/],
    ] as const) {
      const r = runCli([...args, target, '--force'], { cwd: dir });
      assert.equal(r.code, 2, `${target}: ${r.stderr}`);
      assert.match(r.stderr, what);
      assert.match(r.stderr, /refusing to replace/);
    }
    assert.ok(lstatSync(join(dir, 'ignored', 'pipe.env')).isFIFO());
    assert.ok(lstatSync(join(dir, 'ignored', 'out.env')).isDirectory());
    // (no hashTree: it would block reading the FIFO) no temp file left beside them, nothing in the folder
    assert.deepEqual(readdirSync(join(dir, 'ignored')).sort(), ['out.env', 'pipe.env']);
    assert.deepEqual(readdirSync(join(dir, 'ignored', 'out.env')), []);
  });

  test('-o - prints pointers, never values; --include-secrets on stdout needs --reveal', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const plain = runCli([...args, '-'], { cwd: dir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(parseDotenv(plain.stdout, {}).POSTGRES_PASSWORD_FILE, join(dir, 'secrets', 'postgres_password.txt'));
    const refused = runCli([...args, '-', '--include-secrets'], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--reveal/);
    for (const r of [plain, refused])
      for (const value of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
    const revealed = runCli([...args, '-', '--include-secrets', '--reveal'], { cwd: dir });
    assert.equal(revealed.code, 0);
    assert.equal(parseDotenv(revealed.stdout, {}).POSTGRES_PASSWORD, canaries.postgres_password);
    assert.ok(!revealed.stderr.includes(canaries.postgres_password!));
  });

  test('a missing required secret: exit 2, nothing written; missing -o: exit 2', () => {
    const { dir } = fourPlanesWithSecrets();
    writeFileSync(join(dir, 'secrets', 'secret_key.txt'), '');
    const r = runCli([...args, 'out.env'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /secret_key/);
    assert.ok(!existsSync(join(dir, 'out.env')));
    assert.equal(runCli(['export', '--env', 'dev', '--service', 'backend'], { cwd: dir }).code, 2);
  });

  test('--include-secrets to a file: values inline, a warning on stderr, audited by name', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const r = runCli([...args, 'ignored.env', '--include-secrets'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /secret value\(s\) written inline/);
    assert.equal(exportedValues(join(dir, 'ignored.env')).SECRET_KEY, canaries.secret_key);
    for (const value of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
    const audit = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8');
    assert.match(audit, /"export"/);
    for (const value of Object.values(canaries)) assert.ok(!audit.includes(value));
  });
});
