/**
 * Rendered Compose and Swarm files, checked by the real docker-compose v1 (`config`) and by the compose-spec JSON
 * Schema: every service resolves exactly its bundle, is granted exactly its declared secrets (each tenant only its
 * own), and no secret value appears anywhere in what is rendered.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { serializeDotenv } from '../../src/dotenv/index.ts';
import { secretSource } from '../../src/targets/_compose.ts';
import { copyExample, runCli, tempDir } from '../_helpers.ts';
import {
  assertComposeSpec,
  assertNoCanary,
  bundlesOf,
  composeConfig,
  expectedEnvironment,
  fillSecretFiles,
  grantedSecrets,
} from './_tools.ts';

function render(dir: string, args: string[]) {
  const r = runCli(['render', ...args], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** Layer values of secret keys (the second seed keeps secrets in env files): they must never be rendered. */
function layerSecretValues(dir: string, env: string): string[] {
  return bundlesOf(dir, env)
    .flatMap((b) =>
      b.secrets.flatMap((s) => {
        if (s.location.kind !== 'layer') return [];
        const line = readFileSync(join(dir, s.location.file), 'utf8').split('\n')[s.location.line - 1] ?? '';
        return [line.slice(line.indexOf('=') + 1)];
      }),
    )
    .filter((v) => v.length >= 8); // `pulse` is also the project's name, so it appears in image names
}

function assertExactBundles(dir: string, env: string, file: string, extraFiles: string[] = []) {
  const bundles = bundlesOf(dir, env);
  const { config, text } = composeConfig(dir, [...extraFiles, file]);
  assert.deepEqual(Object.keys(config.services).sort(), bundles.map((b) => b.instance.slug).sort());
  for (const bundle of bundles) {
    const service = config.services[bundle.instance.slug]!;
    assert.deepEqual(service.environment ?? {}, expectedEnvironment(bundle), `${bundle.instance.id} environment`);
    assert.deepEqual(grantedSecrets(service), bundle.secrets.map(secretSource).sort(), `${bundle.instance.id} secrets`);
    for (const s of service.secrets ?? []) {
      const ref = bundle.secrets.find((r) => secretSource(r) === s.source)!;
      // Every tenant reads its own value at the same path.
      assert.equal(s.target === undefined ? `/run/secrets/${s.source}` : `/run/secrets/${s.target}`, ref.target);
    }
  }
  return { config, text, bundles };
}

describe('render compose: four-planes', () => {
  it('standalone development resolves exactly each bundle and holds no secret value', () => {
    const dir = copyExample('four-planes');
    const canaries = fillSecretFiles(dir, bundlesOf(dir, 'development'));
    const r = render(dir, ['compose', '--env', 'dev', '--mode', 'standalone']);
    const rendered = readFileSync(join(dir, 'compose.development.yml'), 'utf8');
    assertComposeSpec(parse(rendered), 'compose.development.yml');
    const { text, config } = assertExactBundles(dir, 'development', 'compose.development.yml');
    assert.equal(config.secrets?.postgres_password?.file, join(dir, 'secrets/postgres_password.txt'));
    for (const t of [rendered, text, r.stdout, r.stderr]) assertNoCanary(t, canaries.values(), 'output');
    assert.doesNotMatch(rendered, /env_file/);
  });

  it('standalone production uses the external store names', () => {
    const dir = copyExample('four-planes');
    render(dir, ['compose', '--env', 'production', '--mode', 'standalone']);
    const rendered = readFileSync(join(dir, 'compose.production.yml'), 'utf8');
    assertComposeSpec(parse(rendered), 'compose.production.yml');
    const { config } = assertExactBundles(dir, 'production', 'compose.production.yml');
    assert.deepEqual(config.secrets?.postgres_password, { external: true, name: 'Reactrine_postgres_password' });
    assert.equal(config.services.frontend?.environment?.VITE_API_URL, 'https://api.yourdomain.com/api/v1');
    assert.equal(config.services.frontend?.secrets, undefined);
  });

  it('override merged with the example’s compose file: declared keys win; without env_file, exactly the bundle', () => {
    const dir = copyExample('four-planes');
    const canaries = fillSecretFiles(dir, bundlesOf(dir, 'development'));
    // docker-compose 1.29.2 rejects `build.secrets` ("unsupported option"), which the example's file uses; take it
    // out of the copy so v1 can read the rest (Compose v2 reads it as is).
    const base = readFileSync(join(dir, 'docker-compose.yml'), 'utf8').replace(
      /\n {6}secrets:\n {8}- pip_extra_index_url/g,
      '',
    );
    writeFileSync(join(dir, 'docker-compose.yml'), base);
    const r = render(dir, ['compose', '--env', 'development']);
    assert.match(r.stderr, /docker-compose\.yml: service backend has env_file:/);
    const rendered = readFileSync(join(dir, 'compose.envplane.yml'), 'utf8');
    assertComposeSpec(parse(rendered), 'compose.envplane.yml');
    assertNoCanary(rendered, canaries.values(), 'compose.envplane.yml');

    const bundles = bundlesOf(dir, 'development');
    const merged = composeConfig(dir, ['docker-compose.yml', 'compose.envplane.yml']).config;
    for (const bundle of bundles) {
      const env = merged.services[bundle.instance.slug]?.environment ?? {};
      for (const [k, v] of Object.entries(expectedEnvironment(bundle)))
        assert.equal(env[k], v, `${bundle.instance.id} ${k}`);
      assert.deepEqual(grantedSecrets(merged.services[bundle.instance.slug]!), bundle.secrets.map(secretSource).sort());
    }
    // The leak the warning is about: the base's env_file hands the frontend every key of the shared layers.
    assert.equal(merged.services.frontend?.environment?.POSTGRES_SERVER, 'postgres');

    writeFileSync(join(dir, 'docker-compose.yml'), base.replace(/\n {4}env_file:\n( {6}- config\/\w+\.env\n)+/g, '\n'));
    assertExactBundles(dir, 'development', 'compose.envplane.yml', ['docker-compose.yml']);
    assert.doesNotMatch(runCli(['render', 'compose', '--env', 'dev'], { cwd: dir }).stderr, /env_file/);
  });

  it('override merged with the example’s production file: external secrets, declared keys win', () => {
    const dir = copyExample('four-planes');
    render(dir, ['compose', '--env', 'prod', '-o', 'compose.prod.envplane.yml']);
    const rendered = readFileSync(join(dir, 'compose.prod.envplane.yml'), 'utf8');
    assertComposeSpec(parse(rendered), 'compose.prod.envplane.yml');
    const merged = composeConfig(dir, ['docker-compose.prod.yml', 'compose.prod.envplane.yml']).config;
    for (const bundle of bundlesOf(dir, 'production')) {
      const service = merged.services[bundle.instance.slug]!;
      for (const [k, v] of Object.entries(expectedEnvironment(bundle))) assert.equal(service.environment?.[k], v);
      assert.deepEqual(grantedSecrets(service), bundle.secrets.map(secretSource).sort());
    }
    assert.deepEqual(merged.secrets?.secret_key, { external: true, name: 'Reactrine_secret_key' });
    assert.equal(merged.services.backend?.image, 'reactrine/backend:latest');
  });

  it('secret files resolve from the project directory wherever the file is written', () => {
    const dir = copyExample('four-planes');
    render(dir, ['compose', '--env', 'dev', '--mode', 'standalone', '-o', 'deploy/compose.yml']);
    assert.match(readFileSync(join(dir, 'deploy/compose.yml'), 'utf8'), /file: \.\.\/secrets\/postgres_password\.txt/);
    const { config } = composeConfig(join(dir, 'deploy'), ['compose.yml']);
    assert.equal(config.secrets?.postgres_password?.file, join(dir, 'secrets/postgres_password.txt'));
    render(dir, ['compose', '--env', 'dev', '-o', 'deploy/override.yml']);
    assert.match(readFileSync(join(dir, 'deploy/override.yml'), 'utf8'), /file: \.\/secrets\/postgres_password\.txt/);
  });

  it('--build adds build.secrets for Compose v2 (checked by the compose-spec schema)', () => {
    const dir = copyExample('four-planes');
    render(dir, ['compose', '--env', 'dev', '--mode', 'standalone', '--build', '-o', 'v2.yml']);
    const doc = parse(readFileSync(join(dir, 'v2.yml'), 'utf8'));
    assertComposeSpec(doc, 'v2.yml');
    assert.deepEqual(doc.services.backend.build, { context: './services/backend', secrets: ['pip_extra_index_url'] });
    assert.deepEqual(doc.secrets.pip_extra_index_url, { file: './secrets/pip_extra_index_url.txt' });
    assert.equal(doc.services.frontend.build, undefined);
  });

  it('--image and --context: an unknown placeholder or an empty template is a usage error, not copied into the file', () => {
    const dir = copyExample('four-planes');
    const cases: [string[], RegExp][] = [
      [['--image', '{servce}'], /did you mean "\{service\}"/],
      [['--image='], /--image must be a non-empty template/],
      [['--context', './svc/{tenent}', '--build'], /--context must be/],
    ];
    for (const [flags, message] of cases) {
      const r = runCli(['render', 'compose', '--env', 'dev', '--mode', 'standalone', ...flags, '-o', 'out.yml'], {
        cwd: dir,
      });
      assert.equal(r.code, 2, flags.join(' '));
      assert.match(r.stderr, message);
    }
    const kept = render(dir, [
      'compose',
      '--env',
      'dev',
      '--mode',
      'standalone',
      '--image',
      'r/{service}:${TAG}',
      '-o',
      '-',
    ]);
    assert.match(kept.stdout, /image: "r\/backend:\$\$\{TAG\}/, 'a ${VAR} is not a placeholder');
    const k8s = runCli(
      ['render', 'k8s', '--env', 'dev', '--external-secrets', '--refresh-interval', 'hourly', '-o', '-'],
      {
        cwd: dir,
      },
    );
    assert.equal(k8s.code, 2);
    assert.match(k8s.stderr, /--refresh-interval must be a duration/);
  });
});

describe('render compose: service-scoped (tenants, secrets still in env files)', () => {
  it('one service per tenant, each granted only its own tenant’s secrets; layer secrets never rendered as values', () => {
    const dir = copyExample('service-scoped');
    const leaked = layerSecretValues(dir, 'development');
    assert.ok(leaked.includes('wex-jira-api-token'));
    const r = render(dir, ['compose', '--env', 'dev', '--mode', 'standalone']);
    assert.match(
      r.stderr,
      /JIRA_TOKEN of etl@wex is still in \.env\.etl\.wex:\d+; rendered as secrets\/wex\/JIRA_TOKEN\.txt/,
    );
    const rendered = readFileSync(join(dir, 'compose.development.yml'), 'utf8');
    assertComposeSpec(parse(rendered), 'compose.development.yml');
    const { config, text } = assertExactBundles(dir, 'development', 'compose.development.yml');
    for (const t of [rendered, text, r.stdout, r.stderr]) assertNoCanary(t, leaked, 'output');
    for (const tenant of ['wex', 'techcorp', 'acme']) {
      const service = config.services[`etl-${tenant}`]!;
      assert.deepEqual(grantedSecrets(service), [
        `ENCRYPTION_KEY_${tenant}`,
        `GITHUB_TOKEN_${tenant}`,
        `JIRA_TOKEN_${tenant}`,
        'POSTGRES_PASSWORD',
      ]);
      assert.equal(service.environment?.CLIENT_NAME, { wex: 'WEX', techcorp: 'TechCorp', acme: 'ACME' }[tenant]);
      assert.equal(config.secrets?.[`JIRA_TOKEN_${tenant}`]?.file, join(dir, `secrets/${tenant}/JIRA_TOKEN.txt`));
    }
    assert.deepEqual(grantedSecrets(config.services.frontend!), []);
    assert.equal(config.services.frontend?.environment?.POSTGRES_HOST, undefined);
  });

  it('override for a project without a base file gives tenant instances an image of their own', () => {
    const dir = copyExample('service-scoped');
    render(dir, ['compose', '--env', 'dev']);
    const doc = parse(readFileSync(join(dir, 'compose.envplane.yml'), 'utf8'));
    assertComposeSpec(doc, 'compose.envplane.yml');
    assert.equal(doc.services['etl-wex'].image, 'pulse/etl:latest');
    assert.equal(doc.services.backend.image, undefined);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  etl:\n    image: pulse/etl\n    env_file: [.env.shared]\n');
    const warned = render(dir, ['compose', '--env', 'dev']);
    assert.match(
      warned.stderr,
      /compose\.yaml: service etl runs once per tenant; envplane renders etl-wex, etl-techcorp, etl-acme/,
    );
  });
});

describe('render swarm', () => {
  for (const [example, env] of [
    ['four-planes', 'production'],
    ['four-planes', 'development'],
    ['service-scoped', 'development'],
  ] as const)
    it(`${example} ${env}: a v3 stack file that resolves exactly each bundle`, () => {
      const dir = copyExample(example);
      const canaries = [...fillSecretFiles(dir, bundlesOf(dir, env)).values(), ...layerSecretValues(dir, env)];
      render(dir, ['swarm', '--env', env]);
      const rendered = readFileSync(join(dir, `stack.${env}.yml`), 'utf8');
      const doc = parse(rendered);
      assert.equal(doc.version, '3.8');
      assertComposeSpec(doc, 'stack file');
      assert.doesNotMatch(rendered, /env_file|build:/);
      for (const service of Object.values(doc.services) as { image?: string }[]) assert.ok(service.image);
      assertNoCanary(rendered, canaries, 'stack file');
      assertExactBundles(dir, env, `stack.${env}.yml`);
    });
});

describe('render compose: values that fight YAML, Compose interpolation and dotenv quoting', () => {
  it('reach the container byte for byte', () => {
    const dir = tempDir();
    const values: Record<string, string> = {
      DOLLAR: 'pa$word $$ ${HOME} $HOME $(id) `id`',
      QUOTES: `it's "quoted" \\ back\\slash`,
      HASH: 'x #not a comment#',
      SPACES: '  padded  ',
      NEWLINES: 'line1\nline2\n\nline4',
      YES: 'yes',
      ON: 'on',
      OCTAL: '0123',
      FLOAT: '1e3',
      TILDE: '~',
      NULLISH: 'null',
      COLON: 'a: b',
      STAR: '*alias',
      AMP: '&anchor',
      BANG: '!tag',
      EMPTY: '',
      UNICODE: 'héllo wörld – ✓',
    };
    writeFileSync(join(dir, 'values.env'), serializeDotenv(values));
    const keys = Object.keys(values);
    writeFileSync(
      join(dir, 'envplane.yaml'),
      `project: tricky\nenvironments:\n  development:\n    config: [values.env]\nkeys:\n${keys.map((k) => `  ${k}: config\n`).join('')}services:\n  app:\n    uses: [${keys.join(', ')}]\n`,
    );
    render(dir, ['compose', '--env', 'development', '--mode', 'standalone']);
    const rendered = readFileSync(join(dir, 'compose.development.yml'), 'utf8');
    assertComposeSpec(parse(rendered), 'tricky');
    const [bundle] = bundlesOf(dir, 'development');
    assert.deepEqual(expectedEnvironment(bundle!), values, 'envplane reads the layer back as written');
    const { config } = composeConfig(dir, ['compose.development.yml']);
    assert.deepEqual(config.services.app?.environment, values);
  });
});
