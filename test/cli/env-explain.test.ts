/** `envplane env` and `envplane explain` through the built CLI, as a user runs them. */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { findEnvironment, listInstances } from '../../src/resolve/instances.ts';
import { copyExample, REPO, runCli } from '../_helpers.ts';

const fourPlanes = join(REPO, 'examples', 'four-planes');
const serviceScoped = join(REPO, 'examples', 'service-scoped');

describe('envplane env', () => {
  it('prints the documented JSON shape, with secrets as paths', () => {
    const r = runCli(['env', '--env', 'dev', '--service', 'backend', '--json'], { cwd: fourPlanes });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.environment, 'development');
    assert.deepEqual(out.instance, { id: 'backend', service: 'backend', tenant: null });
    assert.deepEqual(out.config.ENVIRONMENT, {
      value: 'development',
      plane: 'config',
      source: { file: 'config/dev.env', line: 2 },
      shadowed: [],
    });
    assert.deepEqual(out.secrets[0], {
      name: 'postgres_password',
      tenant: null,
      path: '/run/secrets/postgres_password',
      env: 'POSTGRES_PASSWORD_FILE',
      from: { store: 'files', file: 'secrets/postgres_password.txt' },
      required: true,
      present: false,
    });
    assert.deepEqual(out.build, [
      {
        id: 'pip_extra_index_url',
        from: { store: 'files', file: 'secrets/pip_extra_index_url.txt' },
        required: false,
        present: false,
      },
    ]);
  });

  it('finds the project from a subfolder and accepts aliases', () => {
    const r = runCli(['env', '-e', 'prod', '-s', 'worker'], { cwd: join(fourPlanes, 'services', 'worker') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /worker in production/);
    assert.match(r.stdout, /LLM_PROVIDER\s+"bedrock"/);
    assert.match(r.stdout, /external secret Reactrine_postgres_password/);
  });

  it('never prints a secret value, even one kept in a config file', () => {
    for (const tenant of ['wex', 'techcorp', 'acme']) {
      for (const json of [[], ['--json']]) {
        const r = runCli(['env', '--env', 'dev', '--service', 'etl', '--tenant', tenant, ...json], {
          cwd: serviceScoped,
        });
        assert.equal(r.code, 0, r.stderr);
        for (const value of [`${tenant}-jira-api-token`, `${tenant}-github-api-token`, `${tenant}-etl-encryption-key`])
          assert.ok(!r.stdout.includes(value), `${value} leaked`);
        // POSTGRES_PASSWORD=pulse sits in .env.shared; "pulse_db" is a legitimate config value.
        assert.ok(!/(^|[^a-z_])pulse([^a-z_]|$)/m.test(r.stdout), 'the shared password leaked');
      }
    }
  });

  it('reads only the instance’s own layers: another tenant’s missing file does not stop it', () => {
    const dir = copyExample('service-scoped');
    rmSync(join(dir, '.env.etl.acme'));
    for (const args of [
      ['-s', 'etl', '-t', 'wex'],
      ['-s', 'backend'],
    ]) {
      const r = runCli(['env', '-e', 'development', ...args], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
    const acme = runCli(['env', '-e', 'development', '-s', 'etl', '-t', 'acme'], { cwd: dir });
    assert.equal(acme.code, 2);
    assert.match(acme.stderr, /envplane\.yaml:\d+:\d+: layer file \.env\.etl\.acme does not exist/);
    const check = runCli(['check', '-e', 'development'], { cwd: dir });
    assert.match(check.stdout, /\.env\.etl\.acme/, 'check still reports the missing layer');
    const out = join(dir, 'wex.env');
    const exported = runCli(['export', '-e', 'development', '-s', 'etl', '-t', 'wex', '-o', out, '--force'], {
      cwd: dir,
    });
    assert.equal(exported.code, 0, exported.stderr);
  });

  it('etl for wex never shows techcorp or acme values', () => {
    const r = runCli(['env', '--env', 'dev', '--service', 'etl', '--tenant', 'wex', '--json'], { cwd: serviceScoped });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!/techcorp|acme/i.test(r.stdout));
    assert.equal(JSON.parse(r.stdout).config.CLIENT_NAME.value, 'WEX');
  });
});

describe('envplane env --json on every instance of both examples', () => {
  for (const example of ['four-planes', 'service-scoped'] as const)
    it(`${example}: the CLI (through the manifest cache) reports what the resolver resolves, key by key`, () => {
      const dir = copyExample(example);
      const project = loadProject({ dir, lookup: {} });
      for (const { name: environment } of project.manifest.environments)
        for (const instance of listInstances(project.manifest)) {
          const bundle = resolveBundle(
            project.manifest,
            project.layers,
            findEnvironment(project.manifest, environment),
            instance,
          );
          const args = [
            'env',
            '-e',
            environment,
            '-s',
            instance.service,
            ...(instance.tenant ? ['-t', instance.tenant] : []),
          ];
          // Twice: the first run fills the per-user manifest cache, the second is served from it.
          for (const round of ['cold', 'warm']) {
            const r = runCli([...args, '--json'], { cwd: dir });
            const label = `${instance.id} in ${environment} (${round})`;
            assert.equal(r.code, 0, `${label}: ${r.stderr}`);
            const out = JSON.parse(r.stdout);
            assert.deepEqual(out.layers, bundle.layers, label);
            assert.deepEqual(
              Object.entries(out.config).map(([k, c]) => {
                const { value, source, shadowed } = c as { value: string; source: unknown; shadowed: unknown };
                return [k, value, source, shadowed];
              }),
              bundle.config.map((c) => [
                c.key,
                c.value ?? null,
                c.source.kind === 'layer' ? { file: c.source.file, line: c.source.line } : out.config[c.key].source,
                c.shadowed.map((x) => ({ file: x.file, line: x.line })),
              ]),
              `${label}: config`,
            );
            assert.deepEqual(
              out.secrets.map((x: { name: string; path: string; env: string }) => [x.name, x.path, x.env]),
              bundle.secrets.map((x) => [x.name, x.target, x.fileEnv]),
              `${label}: secrets`,
            );
            assert.deepEqual(
              out.build.map((b: { id: string }) => b.id),
              bundle.build.map((b) => b.id),
              `${label}: build secrets`,
            );
          }
        }
    });
});

describe('envplane explain', () => {
  it('a key the manifest does not declare: its values hidden ("undeclared, value hidden") unless --reveal', () => {
    const dir = copyExample('four-planes');
    const value = 'canary-undeclared-token-7f3a';
    appendFileSync(join(dir, 'config', 'dev.env'), `STRAY_API_TOKEN=${value}\n`);
    const argv = ['explain', 'STRAY_API_TOKEN', '--env', 'dev', '--service', 'backend'];
    for (const extra of [[], ['--json'], ['--debug']]) {
      const r = runCli([...argv, ...extra], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(value), `the value was printed (${extra.join(' ')})`);
    }
    assert.match(runCli(argv, { cwd: dir }).stdout, /config\/dev\.env:\d+ +undeclared, value hidden/);
    assert.ok(runCli([...argv, '--reveal'], { cwd: dir }).stdout.includes(value));
  });

  it('reads the whole environment: says where else a key is set, and explains a key only another file sets', () => {
    const dir = copyExample('service-scoped');
    const r = runCli(['explain', 'CLIENT_NAME', '-e', 'development', '-s', 'backend'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /also set in files this instance does not read: \.env\.etl\.wex:2/);
  });

  it('shows each layer that sets the key and which one wins', () => {
    const r = runCli(['explain', 'ETL_SERVICE_URL', '--env', 'dev', '--service', 'backend'], { cwd: serviceScoped });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /lost +\.env\.shared:14/);
    assert.match(r.stdout, /wins +\.env\.shared:18/);
    assert.match(r.stdout, /last of 2 assignments/);
  });

  it('layer precedence across files, as JSON', () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, 'config', 'dev.env'), 'LOG_LEVEL=DEBUG\n', { flag: 'a' });
    const r = runCli(['explain', 'LOG_LEVEL', '--env', 'development', '--service', 'worker', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const x = JSON.parse(r.stdout);
    assert.equal(x.outcome, 'layer');
    assert.deepEqual(
      x.settings.map((s: { file: string; line: number; value: string; wins: boolean }) => [
        s.file,
        s.line,
        s.value,
        s.wins,
      ]),
      [
        ['config/common.env', 12, 'INFO', false],
        ['config/dev.env', 14, 'DEBUG', true],
      ],
    );
  });

  it('says plainly when the service does not declare the key', () => {
    const r = runCli(['explain', 'BACKEND_SERVICE_URL', '--env', 'dev', '--service', 'backend'], {
      cwd: serviceScoped,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /not delivered/);
    assert.match(r.stdout, /does not declare BACKEND_SERVICE_URL/);
  });

  it('says plainly when no layer sets it', () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, 'config', 'common.env'), '# nothing\n');
    const r = runCli(['explain', 'POSTGRES_DB', '--env', 'dev', '--service', 'backend'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no layer of this instance sets it/);
    assert.match(r.stdout, /unset/);
  });

  it('hides secret values kept in a config file', () => {
    const r = runCli(['explain', 'JIRA_TOKEN', '--env', 'dev', '--service', 'etl', '--tenant', 'acme', '--json'], {
      cwd: serviceScoped,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('acme-jira-api-token'));
    assert.equal(JSON.parse(r.stdout).outcome, 'secret-in-layer');
  });
});

describe('usage and input errors exit 2 with a location and a hint', () => {
  const cases: [string, string[], RegExp, RegExp][] = [
    [
      'unknown environment',
      ['env', '--env', 'staging', '--service', 'backend'],
      /unknown environment "staging"/,
      /known environments: development, dev, production, prod/,
    ],
    [
      'environment typo',
      ['env', '--env', 'prodution', '--service', 'backend'],
      /unknown environment/,
      /did you mean "production"/,
    ],
    [
      'unknown service',
      ['env', '--env', 'dev', '--service', 'backnd'],
      /unknown service "backnd"/,
      /did you mean "backend"/,
    ],
    ['missing --env', ['env', '--service', 'backend'], /missing --env/, /--env development/],
    [
      'unknown flag',
      ['env', '--env', 'dev', '--service', 'backend', '--jsno'],
      /unknown option "--jsno"/,
      /did you mean "json"/,
    ],
    ['unknown command', ['evn'], /unknown command "evn"/, /did you mean "env"/],
    [
      'tenant on a plain service',
      ['env', '--env', 'dev', '--service', 'backend', '--tenant', 'wex'],
      /not per tenant/,
      /perTenant/,
    ],
    [
      'unknown key',
      ['explain', 'NOPE', '--env', 'dev', '--service', 'backend'],
      /unknown key "NOPE"/,
      /known keys|did you mean/,
    ],
  ];
  for (const [name, args, message, hint] of cases)
    it(name, () => {
      const r = runCli(args, { cwd: fourPlanes });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, hint);
      assert.equal(r.stdout, '');
    });

  it('a typo in the manifest: file:line:column and a did-you-mean', () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, 'envplane.yaml'), 'project: x\nenvironments:\n  dev:\n    confg: []\n');
    const r = runCli(['env', '--env', 'dev', '--service', 'x'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /envplane\.yaml:4:5: unknown field "confg" in environments\.dev/);
    assert.match(r.stderr, /did you mean "config"/);
  });

  it('a missing layer file: the manifest line that names it', () => {
    const dir = copyExample('service-scoped');
    const manifest = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    writeFileSync(join(dir, 'envplane.yaml'), manifest.replace('config: [.env.backend]', 'config: [.env.backnd]'));
    const bad = runCli(['env', '--env', 'dev', '--service', 'backend'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /envplane\.yaml:\d+:\d+: layer file \.env\.backnd does not exist/);
    assert.match(bad.stderr, /hint: create \.env\.backnd/);
  });

  it('malformed .env text: file:line, and the value is not echoed', () => {
    const dir = copyExample('service-scoped');
    writeFileSync(join(dir, '.env.backend'), 'JWT_SECRET_KEY="s3cr3t-canary-value\n');
    const r = runCli(['env', '--env', 'dev', '--service', 'backend'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.env\.backend:1(:\d+)?: line 1: unterminated quoted value/);
    assert.ok(!r.stderr.includes('s3cr3t-canary-value'));
  });

  it('--help on every command, exit 0', () => {
    for (const command of ['env', 'explain']) {
      const r = runCli([command, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /--env/);
    }
    assert.match(runCli(['--help']).stdout, /Commands:/);
  });
});
