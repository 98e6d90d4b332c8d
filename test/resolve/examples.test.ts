/**
 * What every instance of both examples receives, key by key, with provenance. These are the least-privilege facts
 * the rest of envplane builds on, so they are spelled out in full rather than sampled.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { EnvplaneError } from '../../src/errors.ts';
import { findEnvironment, listInstances, selectInstances } from '../../src/resolve/instances.ts';
import type { Bundle } from '../../src/resolve/types.ts';
import { REPO } from '../_helpers.ts';

const fourPlanes = loadProject({ dir: join(REPO, 'examples', 'four-planes'), lookup: {} });
const serviceScoped = loadProject({ dir: join(REPO, 'examples', 'service-scoped'), lookup: {} });

function bundle(project: typeof fourPlanes, env: string, id: string): Bundle {
  const instance = listInstances(project.manifest).find((i) => i.id === id);
  assert.ok(instance, `instance ${id}`);
  return resolveBundle(project.manifest, project.layers, findEnvironment(project.manifest, env), instance);
}

/** KEY → "value @ file:line" (plus " over file:line" for each shadowed assignment). */
function configView(b: Bundle): Record<string, string> {
  return Object.fromEntries(
    b.config.map((c) => {
      const at = c.source.kind === 'layer' ? `${c.source.file}:${c.source.line}` : c.source.kind;
      const over = c.shadowed.map((s) => ` over ${s.file}:${s.line}`).join('');
      return [c.key, `${c.value ?? '(unset)'} @ ${at}${over}`];
    }),
  );
}

function secretView(b: Bundle): Record<string, string> {
  return Object.fromEntries(
    b.secrets.map((s) => {
      const from =
        s.location.kind === 'file'
          ? s.location.path
          : s.location.kind === 'external'
            ? `external:${s.location.name}`
            : s.location.kind === 'store'
              ? `${s.location.store}:${s.location.ref}`
              : `${s.location.file}:${s.location.line}`;
      return [s.name, `${from} -> ${s.fileEnv}=${s.target}`];
    }),
  );
}

describe('four-planes example (first seed)', () => {
  it('backend in development: layered config/common.env + config/dev.env, file secrets, a build secret', () => {
    const b = bundle(fourPlanes, 'dev', 'backend');
    assert.equal(b.environment, 'development');
    assert.deepEqual(b.layers, ['config/common.env', 'config/dev.env']);
    assert.deepEqual(configView(b), {
      POSTGRES_SERVER: 'postgres @ config/common.env:2',
      POSTGRES_USER: 'postgres @ config/common.env:3',
      POSTGRES_DB: 'app @ config/common.env:4',
      API_V1_STR: '/api/v1 @ config/common.env:7',
      JWT_ALGORITHM: 'HS256 @ config/common.env:8',
      ACCESS_TOKEN_EXPIRE_MINUTES: '480 @ config/common.env:9',
      LOG_LEVEL: 'INFO @ config/common.env:12',
      ENVIRONMENT: 'development @ config/dev.env:2',
      DEBUG: 'true @ config/dev.env:3',
      ALLOWED_ORIGINS_STR: 'http://localhost:3000,http://localhost:8000 @ config/dev.env:6',
      LLM_PROVIDER: 'openai @ config/dev.env:10',
    });
    assert.deepEqual(secretView(b), {
      postgres_password: 'secrets/postgres_password.txt -> POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password',
      secret_key: 'secrets/secret_key.txt -> SECRET_KEY_FILE=/run/secrets/secret_key',
      openai_api_key: 'secrets/openai_api_key.txt -> OPENAI_API_KEY_FILE=/run/secrets/openai_api_key',
      aws_access_key_id: 'secrets/aws_access_key_id.txt -> AWS_ACCESS_KEY_ID_FILE=/run/secrets/aws_access_key_id',
      aws_secret_access_key:
        'secrets/aws_secret_access_key.txt -> AWS_SECRET_ACCESS_KEY_FILE=/run/secrets/aws_secret_access_key',
    });
    assert.deepEqual(
      b.build.map((x) => [x.id, x.location, x.required]),
      [['pip_extra_index_url', { kind: 'file', path: 'secrets/pip_extra_index_url.txt' }, false]],
    );
  });

  it('backend in production: prod.env wins, secrets are external with the project prefix', () => {
    const b = bundle(fourPlanes, 'prod', 'backend');
    const view = configView(b);
    assert.equal(view.ENVIRONMENT, 'production @ config/prod.env:2');
    assert.equal(view.DEBUG, 'false @ config/prod.env:3');
    assert.equal(view.LLM_PROVIDER, 'bedrock @ config/prod.env:10');
    assert.equal(
      secretView(b).postgres_password,
      'external:Reactrine_postgres_password -> POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password',
    );
  });

  it('worker, frontend and postgres get only what they declare', () => {
    assert.deepEqual(Object.keys(configView(bundle(fourPlanes, 'development', 'worker'))), [
      'POSTGRES_SERVER',
      'POSTGRES_USER',
      'POSTGRES_DB',
      'LOG_LEVEL',
      'ENVIRONMENT',
      'LLM_PROVIDER',
    ]);
    assert.deepEqual(Object.keys(secretView(bundle(fourPlanes, 'development', 'worker'))), [
      'postgres_password',
      'openai_api_key',
    ]);
    const frontend = bundle(fourPlanes, 'development', 'frontend');
    assert.deepEqual(configView(frontend), { VITE_API_URL: 'http://localhost:8000/api/v1 @ config/dev.env:13' });
    assert.equal(frontend.config[0]?.plane, 'public');
    assert.deepEqual(frontend.secrets, []);
    assert.deepEqual(frontend.build, []);
    const postgres = bundle(fourPlanes, 'development', 'postgres');
    assert.deepEqual(Object.keys(configView(postgres)), ['POSTGRES_USER', 'POSTGRES_DB']);
    assert.deepEqual(Object.keys(secretView(postgres)), ['postgres_password']);
  });
});

describe('service-scoped example (second seed)', () => {
  it('backend: shared layer then its own file; the duplicated URL resolves to the later line', () => {
    const b = bundle(serviceScoped, 'development', 'backend');
    assert.deepEqual(b.layers, ['.env.shared', '.env.backend']);
    assert.deepEqual(configView(b), {
      POSTGRES_HOST: 'localhost @ .env.shared:2',
      POSTGRES_PORT: '5432 @ .env.shared:3',
      POSTGRES_USER: 'postgres @ .env.shared:4',
      POSTGRES_DATABASE: 'pulse_db @ .env.shared:6',
      REDIS_HOST: 'localhost @ .env.shared:9',
      REDIS_PORT: '6379 @ .env.shared:10',
      ETL_SERVICE_URL: 'http://localhost:8000 @ .env.shared:18 over .env.shared:14',
    });
    assert.deepEqual(secretView(b), {
      POSTGRES_PASSWORD: '.env.shared:5 -> POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD',
      JWT_SECRET_KEY: '.env.backend:2 -> JWT_SECRET_KEY_FILE=/run/secrets/JWT_SECRET_KEY',
      SESSION_SECRET_KEY: '.env.backend:3 -> SESSION_SECRET_KEY_FILE=/run/secrets/SESSION_SECRET_KEY',
    });
  });

  it('frontend: public keys only, from its own file', () => {
    const b = bundle(serviceScoped, 'development', 'frontend');
    assert.deepEqual(configView(b), {
      VITE_API_BASE_URL: 'http://localhost:3001 @ .env.frontend:2',
      VITE_APP_TITLE: 'Pulse Platform @ .env.frontend:3',
    });
    assert.deepEqual(b.secrets, []);
  });

  for (const tenant of ['wex', 'techcorp', 'acme']) {
    it(`etl@${tenant}: its own tenant file and nothing of the other tenants`, () => {
      const b = bundle(serviceScoped, 'development', `etl@${tenant}`);
      assert.deepEqual(b.layers, ['.env.shared', `.env.etl.${tenant}`]);
      const view = configView(b);
      assert.deepEqual(Object.keys(view), [
        'POSTGRES_HOST',
        'POSTGRES_PORT',
        'POSTGRES_USER',
        'POSTGRES_DATABASE',
        'REDIS_HOST',
        'REDIS_PORT',
        'BACKEND_SERVICE_URL',
        'CLIENT_NAME',
      ]);
      assert.equal(
        view.CLIENT_NAME,
        `${{ wex: 'WEX', techcorp: 'TechCorp', acme: 'ACME' }[tenant]} @ .env.etl.${tenant}:2`,
      );
      assert.deepEqual(secretView(b), {
        POSTGRES_PASSWORD: '.env.shared:5 -> POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD',
        ENCRYPTION_KEY: `.env.etl.${tenant}:5 -> ENCRYPTION_KEY_FILE=/run/secrets/ENCRYPTION_KEY`,
        JIRA_TOKEN: `.env.etl.${tenant}:8 -> JIRA_TOKEN_FILE=/run/secrets/JIRA_TOKEN`,
        GITHUB_TOKEN: `.env.etl.${tenant}:9 -> GITHUB_TOKEN_FILE=/run/secrets/GITHUB_TOKEN`,
      });
      for (const s of b.secrets.filter((x) => x.name !== 'POSTGRES_PASSWORD')) assert.equal(s.tenant, tenant);
      // No other tenant's name or file appears anywhere in what this instance receives.
      const text = JSON.stringify(b);
      for (const other of ['wex', 'techcorp', 'acme'].filter((t) => t !== tenant))
        assert.ok(!text.includes(other), `${tenant} sees ${other}`);
    });
  }

  it('a service never receives an undeclared key, even one its own layers set', () => {
    for (const instance of listInstances(serviceScoped.manifest)) {
      const b = resolveBundle(
        serviceScoped.manifest,
        serviceScoped.layers,
        findEnvironment(serviceScoped.manifest, 'dev'),
        instance,
      );
      const uses = new Set(serviceScoped.manifest.services[instance.service]!.uses);
      for (const name of [...b.config.map((c) => c.key), ...b.secrets.map((s) => s.name)])
        assert.ok(uses.has(name), `${instance.id} got ${name}`);
    }
    const backend = bundle(serviceScoped, 'dev', 'backend');
    assert.ok(
      !backend.config.some((c) => c.key === 'BACKEND_SERVICE_URL'),
      'backend does not declare BACKEND_SERVICE_URL',
    );
  });
});

describe('per-tenant secrets in a files store', () => {
  it('resolve to the tenant directory, shared secrets to the common file', async () => {
    const { parseManifest } = await import('../../src/manifest/parse.ts');
    const manifest = parseManifest(`project: p
environments: { dev: { secrets: { store: files, dir: vault/ } } }
tenants: [a, b]
keys:
  token: { plane: secret, perTenant: true }
  shared: secret
services:
  w: { perTenant: true, uses: [token, shared] }
`);
    const env = findEnvironment(manifest, 'dev');
    const a = resolveBundle(manifest, {}, env, listInstances(manifest)[0]!);
    assert.deepEqual(
      a.secrets.map((s) => [s.name, s.tenant, s.location]),
      [
        ['token', 'a', { kind: 'file', path: 'vault/a/token.txt' }],
        ['shared', undefined, { kind: 'file', path: 'vault/shared.txt' }],
      ],
    );
  });
});

describe('selectInstances (render --service / --tenant)', () => {
  const manifest = serviceScoped.manifest;
  const ids = (service?: string, tenant?: string) => selectInstances(manifest, service, tenant).map((i) => i.id);
  it('no service: every instance, as listInstances', () => {
    assert.deepEqual(
      ids(),
      listInstances(manifest).map((i) => i.id),
    );
  });
  it('a service: each of its tenants, nothing of another service', () => {
    assert.deepEqual(ids('etl'), ['etl@wex', 'etl@techcorp', 'etl@acme']);
    assert.deepEqual(ids('backend'), ['backend']);
  });
  it('a service and a tenant: one instance; wrong combinations are usage errors', () => {
    assert.deepEqual(ids('etl', 'acme'), ['etl@acme']);
    for (const [service, tenant, message] of [
      [undefined, 'wex', /--tenant narrows a service/],
      ['backend', 'wex', /not per tenant/],
      ['etl', 'nope', /does not run for tenant/],
      ['nope', undefined, /unknown service/],
    ] as const)
      assert.throws(
        () => ids(service, tenant),
        (e: unknown) => e instanceof EnvplaneError && e.kind === 'usage' && message.test(e.message),
      );
  });
});
