/**
 * `envplane init --from-existing`: the manifest inferred from a real project grants each Compose service exactly
 * what the project's own Compose files grant it — checked here independently of envplane's own comparison — and
 * every difference it reports is real.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDotenvEntries } from '../../src/dotenv/index.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import { type ComposeService, readComposeFiles } from '../../src/project/compose.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { findEnvironment, instanceOf } from '../../src/resolve/instances.ts';
import { copyExample, hashTree, REPO, runCli, tempDir } from '../_helpers.ts';
import { assertPortableSchemaHint } from './_schema-hint.ts';

/** Compose service → the key names its Compose files grant it (env_file keys, environment:, secrets:). */
function composeGrants(dir: string, files: string[]): Record<string, Set<string>> {
  const model = readComposeFiles(dir, files);
  const out: Record<string, Set<string>> = {};
  for (const service of Object.values(model.services)) {
    const keys = new Set<string>();
    for (const e of service.envFiles)
      for (const entry of parseDotenvEntries(readFileSync(join(dir, e.path), 'utf8'), { lookup: {} }))
        keys.add(entry.key);
    const pointers = new Set(service.secrets.map((s) => s.target));
    for (const v of service.environment) if (!(v.value && pointers.has(v.value))) keys.add(v.key);
    for (const s of service.secrets) keys.add(s.source);
    if (service.builds) for (const b of service.buildSecrets) keys.add(`build:${b.source}`);
    out[service.name] = keys;
  }
  return out;
}

/**
 * What one Compose service receives: each variable with its final value (env files in order, then `environment:`),
 * variables that point at a mounted secret as `file:<secret>`, each secret's target, and each build secret.
 */
function grantedValues(dir: string, service: ComposeService): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of service.envFiles)
    for (const entry of parseDotenvEntries(readFileSync(join(dir, e.path), 'utf8'), { lookup: {} }))
      out[entry.key] = entry.value;
  const mounted = new Map(service.secrets.map((s) => [s.target, s.source]));
  for (const v of service.environment)
    out[v.key] = v.value !== undefined && mounted.has(v.value) ? `file:${mounted.get(v.value)}` : (v.value ?? '');
  for (const s of service.secrets) out[`secret:${s.source}`] = s.target;
  for (const b of service.buildSecrets) out[`build:${b.source}`] = '';
  // A secret's `_FILE` variable is how envplane delivers every secret; the original sets it only where the app needs it.
  for (const [key, value] of Object.entries(out)) if (value.startsWith('file:')) delete out[key];
  return out;
}

/** Compose service → the key names the manifest's bundle gives the same service in the environment. */
function manifestGrants(dir: string, manifest: Manifest, env: string, services: string[], builds: Set<string>) {
  const environment = findEnvironment(manifest, env);
  const layers = Object.fromEntries(
    environment.config.map((p) => [p, parseDotenvEntries(readFileSync(join(dir, p), 'utf8'), { lookup: {} })]),
  );
  const out: Record<string, Set<string>> = {};
  for (const name of services) {
    const bundle = resolveBundle(manifest, layers, environment, instanceOf(name));
    out[name] = new Set([
      ...bundle.config.map((c) => c.key),
      ...bundle.secrets.map((s) => s.name),
      ...(builds.has(name) ? bundle.build.map((b) => `build:${b.id}`) : []),
    ]);
  }
  return out;
}

describe('init --from-existing', () => {
  it('on the first seed (examples/four-planes) infers a manifest whose grants match both Compose files', () => {
    const dir = copyExample('four-planes');
    const handWritten = parseManifest(readFileSync(join(dir, 'envplane.yaml'), 'utf8'));
    rmSync(join(dir, 'envplane.yaml'));
    const before = hashTree(dir);
    const r = runCli(['init', '--from-existing', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);

    // It writes envplane.yaml and nothing else.
    const after = hashTree(dir);
    assert.deepEqual(
      Object.keys(after).filter((p) => after[p] !== before[p]),
      ['envplane.yaml'],
    );
    const text = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    assertPortableSchemaHint(text, dir);
    const manifest = parseManifest(text);

    // Independent proof: every Compose service gets the same key names from the inferred manifest.
    for (const [env, files] of [
      ['development', ['docker-compose.yml']],
      ['production', ['docker-compose.prod.yml']],
    ] as const) {
      const compose = composeGrants(dir, [...files]);
      const model = readComposeFiles(dir, [...files]);
      const builds = new Set(
        Object.values(model.services)
          .filter((s) => s.builds)
          .map((s) => s.name),
      );
      assert.deepEqual(manifestGrants(dir, manifest, env, Object.keys(compose), builds), compose, env);
    }
    assert.deepEqual(
      out.differences.filter((d: { kind: string }) => d.kind !== 'over-grant'),
      [],
    );

    // The planes, environments and stores are the ones the seed's authors wrote by hand.
    for (const [name, key] of Object.entries(handWritten.keys))
      assert.equal(manifest.keys[name]?.plane, key.plane, name);
    assert.equal(manifest.keys.ACCESS_TOKEN_EXPIRE_MINUTES?.plane, 'config');
    assert.deepEqual(findEnvironment(manifest, 'dev').secrets, handWritten.environments[0]!.secrets);
    assert.deepEqual(findEnvironment(manifest, 'prod').secrets, handWritten.environments[1]!.secrets);
    assert.equal(manifest.services.frontend?.public, true);
    assert.deepEqual(manifest.services.backend?.build, ['pip_extra_index_url']);

    // Each decision carries a reason; the over-grant of the shared env_file is named.
    for (const d of out.decisions) assert.ok(d.reason.length > 10, JSON.stringify(d));
    for (const name of Object.keys(manifest.keys))
      assert.ok(
        out.decisions.some((d: { subject: string }) => d.subject === name),
        `no decision for ${name}`,
      );
    assert.ok(
      out.differences.some(
        (d: { kind: string; service: string; reason: string }) =>
          d.kind === 'over-grant' && d.service === 'frontend' && /browser service receives 7 non-public/.test(d.reason),
      ),
    );
  });

  it('`render compose` of the inferred manifest grants each service what the original Compose files grant, values included', () => {
    const dir = copyExample('four-planes');
    rmSync(join(dir, 'envplane.yaml'));
    assert.equal(runCli(['init', '--from-existing'], { cwd: dir }).code, 0);
    for (const [env, file, build] of [
      ['development', 'docker-compose.yml', ['--build']],
      ['production', 'docker-compose.prod.yml', []],
    ] as const) {
      const out = `rendered.${env}.yml`;
      const r = runCli(['render', 'compose', '--env', env, '--mode', 'standalone', ...build, '-o', out], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const original = readComposeFiles(dir, [file]);
      const rendered = readComposeFiles(dir, [out]);
      assert.deepEqual(Object.keys(rendered.services).sort(), Object.keys(original.services).sort(), env);
      for (const [name, service] of Object.entries(original.services)) {
        const want = grantedValues(dir, service);
        const got = grantedValues(dir, rendered.services[name]!);
        assert.deepEqual(got, want, `${env} ${name}`);
      }
      // Secrets come from the same place: the same files, or the same external names.
      for (const [name, secret] of Object.entries(original.secrets)) {
        const twin = rendered.secrets[name];
        if (!Object.values(original.services).some((s) => s.secrets.some((x) => x.source === name))) continue;
        assert.ok(twin, `${env}: secret ${name} is rendered`);
        assert.equal(twin.externalName ?? twin.name, secret.externalName ?? secret.name, name);
        assert.equal(twin.path, secret.path, name);
      }
    }
  });

  it('on a Compose project with an override file, long secret syntax and environment lists, reports what differs', () => {
    const dir = tempDir();
    cpSync(join(REPO, 'test', 'adopt', 'fixtures', 'compose-override'), dir, { recursive: true });
    const r = runCli(['init', '--from-existing', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const manifest = parseManifest(readFileSync(join(dir, 'envplane.yaml'), 'utf8'));
    const plane = (k: string) => manifest.keys[k]?.plane;
    assert.deepEqual(
      [
        'npm_token',
        'db_password',
        'stripe_key',
        'session_secret',
        'SMTP_PASSWORD',
        'NEXT_PUBLIC_API_URL',
        'NEXT_PUBLIC_SITE_NAME',
        'DATABASE_HOST',
        'HOME_DIR',
      ].map(plane),
      ['build', 'secret', 'secret', 'secret', 'secret', 'public', 'public', 'config', 'config'],
    );
    assert.equal(manifest.keys.LOG_LEVEL?.default, 'debug'); // the override's value wins, as in Compose
    assert.equal(manifest.keys.db_password?.fileEnv, 'DATABASE_PASSWORD_FILE');
    assert.deepEqual(
      manifest.environments.map((e) => [e.name, e.config, e.secrets.kind]),
      [
        ['development', ['config/base.env', 'config/dev.env'], 'files'],
        ['production', ['config/base.env', 'config/prod.env'], 'external'],
      ],
    );
    assert.deepEqual(manifest.services.web?.config, ['config/web.env']);
    assert.equal(manifest.services.web?.public, true);
    assert.deepEqual(manifest.services.api?.build, ['npm_token']);
    assert.ok(manifest.services.worker, 'the service the override adds');

    // Development (compose.yaml + override) matches exactly, checked independently.
    const dev = composeGrants(dir, ['compose.yaml', 'compose.override.yaml']);
    const model = readComposeFiles(dir, ['compose.yaml', 'compose.override.yaml']);
    const builds = new Set(
      Object.values(model.services)
        .filter((s) => s.builds)
        .map((s) => s.name),
    );
    assert.deepEqual(manifestGrants(dir, manifest, 'development', Object.keys(dev), builds), dev);

    // Production grants less than development; the manifest cannot say that per environment, and says so.
    const real = out.differences.filter((d: { kind: string }) => d.kind !== 'over-grant');
    assert.ok(real.length > 0);
    for (const d of real) {
      assert.equal(d.environment, 'production', JSON.stringify(d));
      assert.equal(d.kind, 'extra');
    }
    const prod = composeGrants(dir, ['compose.prod.yaml']);
    const got = manifestGrants(dir, manifest, 'production', Object.keys(prod), new Set());
    for (const [service, keys] of Object.entries(got)) {
      const extra = [...keys].filter((k) => !prod[service]!.has(k)).sort();
      const reported = real
        .filter((d: { service: string }) => d.service === service)
        .map((d: { key: string }) => d.key)
        .sort();
      assert.deepEqual(reported, extra, service);
      for (const k of prod[service]!) assert.ok(keys.has(k), `${service} lacks ${k} in production`);
    }
    assert.ok(out.warnings.some((w: string) => /stripe_key: Compose reads it from the variable STRIPE_KEY/.test(w)));
    assert.ok(
      out.differences.some((d: { kind: string; key: string }) => d.kind === 'over-grant' && d.key === 'SMTP_PASSWORD'),
    );
  });

  it('on the second seed without Compose: services, tenants and the browser service from file names', () => {
    const dir = copyExample('service-scoped');
    rmSync(join(dir, 'envplane.yaml'));
    // Run from the repository (--dir): the schema hint still names the project's own node_modules copy.
    const r = runCli(['init', '--from-existing', '--dir', dir], { cwd: REPO });
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    assertPortableSchemaHint(text, dir);
    const manifest = parseManifest(text);
    assert.deepEqual(manifest.tenants, ['acme', 'techcorp', 'wex']);
    assert.equal(manifest.services.etl?.perTenant, true);
    assert.deepEqual(manifest.services.etl?.config, ['.env.etl.{tenant}']);
    assert.deepEqual(manifest.environments[0]!.config, ['.env.shared']);
    assert.equal(manifest.services.frontend?.public, true);
    assert.deepEqual(manifest.services.frontend?.uses.sort(), ['VITE_API_BASE_URL', 'VITE_APP_TITLE']);
    assert.equal(manifest.keys.JIRA_TOKEN?.plane, 'secret');
    assert.equal(manifest.keys.JIRA_TOKEN?.perTenant, true);
    assert.equal(manifest.keys.POSTGRES_PASSWORD?.plane, 'secret');
    assert.equal(manifest.keys.CLIENT_NAME?.perTenant, true);
    assert.ok(manifest.services.backend?.uses.includes('JWT_SECRET_KEY'));
    assert.ok(!manifest.services.backend?.uses.includes('JIRA_TOKEN'));
    // No secret value reaches the output.
    for (const value of ['pulse', 'backend-jwt-secret', 'wex-jira-api-token'])
      assert.ok(!r.stdout.includes(value), value);
  });

  it('says why a service and its keys are per tenant, naming the tenant files (text and JSON)', () => {
    const dir = copyExample('service-scoped');
    rmSync(join(dir, 'envplane.yaml'));
    const r = runCli(['init', '--from-existing', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const decisions: { subject: string; decision: string; reason: string; where?: string }[] = JSON.parse(
      r.stdout,
    ).decisions;
    const about = (subject: string) => decisions.filter((d) => d.subject === subject);
    const files = ['.env.etl.acme', '.env.etl.techcorp', '.env.etl.wex'];
    assert.deepEqual(
      about('service etl').find((d) => d.decision.startsWith('per tenant')),
      {
        subject: 'service etl',
        decision: 'per tenant: acme, techcorp, wex',
        reason: `one env file per tenant, named .env.etl.<tenant>: ${files.join(', ')}`,
        where: '.env.etl.acme',
      },
    );
    // Keys only tenant files set are per tenant, and say so; a key of the shared file is not.
    for (const [key, plane] of [
      ['CLIENT_NAME', 'config'],
      ['ENCRYPTION_KEY', 'secret'],
      ['JIRA_TOKEN', 'secret'],
      ['GITHUB_TOKEN', 'secret'],
    ]) {
      const [d] = about(key!);
      assert.equal(d?.decision, `${plane}, per tenant`, key);
      assert.match(d!.reason, /only per-tenant files set it, so each tenant has its own value$/, key);
    }
    assert.equal(about('POSTGRES_PASSWORD')[0]?.decision, 'secret');
    assert.doesNotMatch(about('POSTGRES_PASSWORD')[0]!.reason, /tenant/);
    // The same reasons in the text a person reads.
    rmSync(join(dir, 'envplane.yaml'));
    const text = runCli(['init', '--from-existing'], { cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.ok(
      text.stdout.includes(
        `service etl: per tenant: acme, techcorp, wex  one env file per tenant, named .env.etl.<tenant>: ${files.join(', ')} (.env.etl.acme)`,
      ),
      text.stdout,
    );
    assert.match(text.stdout, /JIRA_TOKEN: secret, per tenant {2}the name contains the word TOKEN; only per-tenant/);
  });

  it('each reason says why in words, and its file:line is the evidence it names', () => {
    type Decision = { subject: string; decision: string; reason: string; where?: string };
    const infer = (dir: string) => {
      rmSync(join(dir, 'envplane.yaml'), { force: true });
      const r = runCli(['init', '--from-existing', '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const decisions: Decision[] = JSON.parse(r.stdout).decisions;
      const keys = Object.keys(parseManifest(readFileSync(join(dir, 'envplane.yaml'), 'utf8')).keys);
      // Every key's decision points at a line that names the key (a secret's name, an env file's assignment).
      for (const d of decisions.filter((x) => keys.includes(x.subject))) {
        const [, file, line] = /^(.+?)(?::(\d+))?$/.exec(d.where ?? '')!;
        assert.ok(file, `${d.subject} has no evidence`);
        if (line === undefined) continue;
        const text = readFileSync(join(dir, file), 'utf8').split('\n')[Number(line) - 1] ?? '';
        assert.ok(text.includes(d.subject), `${d.subject}: ${d.where} is "${text}"`);
      }
      return (subject: string, decision: string) => {
        const found = decisions.find((d) => d.subject === subject && d.decision === decision);
        assert.ok(found, `no "${decision}" decision for ${subject}: ${JSON.stringify(decisions)}`);
        return found;
      };
    };

    // The first seed, with Compose: a root .env (interpolation only) and a legacy file no service reads.
    const four = copyExample('four-planes');
    writeFileSync(join(four, '.env'), 'COMPOSE_PROJECT_NAME=reactrine\n');
    writeFileSync(join(four, '.env.legacy'), 'OLD_SETTING=1\n');
    const first = infer(four);
    // Why a key is secret (or build, or config although its name holds a secret word).
    assert.deepEqual(first('secret_key', 'secret'), {
      subject: 'secret_key',
      decision: 'secret',
      reason: 'mounted as a Compose secret by backend',
      where: 'docker-compose.yml:23',
    });
    assert.equal(first('pip_extra_index_url', 'build').reason, 'a BuildKit secret of backend (development)');
    assert.equal(
      first('ACCESS_TOKEN_EXPIRE_MINUTES', 'config').reason,
      "the name is about a TOKEN's EXPIRE, not the TOKEN itself",
    );
    assert.equal(first('VITE_API_URL', 'public').reason, 'prefix VITE_ is inlined into browser bundles');
    // Why a file is a layer, or is not; why a Compose file belongs to an environment.
    assert.equal(
      first('environment development', 'layers config/common.env, config/dev.env').reason,
      'the env_file entries every service of its Compose files shares, in order',
    );
    assert.match(first('.env', 'not a layer').reason, /Compose reads \.env for \$\{VAR\} interpolation only/);
    assert.match(
      first('.env.legacy', 'not a layer').reason,
      /no Compose service reads it; .*`envplane migrate \.env\.legacy --env <env>`/,
    );
    assert.match(
      first('docker-compose.prod.yml', 'Compose file of production').reason,
      /^"prod" names production; every service in it has an image or a build, so it stands alone$/,
    );

    // The second seed, without Compose: file names decide.
    const second = infer(copyExample('service-scoped'));
    assert.deepEqual(second('POSTGRES_PASSWORD', 'secret'), {
      subject: 'POSTGRES_PASSWORD',
      decision: 'secret',
      reason: 'the name contains the word PASSWORD',
      where: '.env.shared:5',
    });
    assert.equal(second('REDIS_HOST', 'config').reason, 'neither the name nor the value looks secret');
    assert.match(second('environment development', 'layers .env.shared').reason, /^shared files first/);
    assert.equal(
      second('service frontend', 'uses only its own public keys').reason,
      'every key of its own file is public: a browser bundle, which must not receive the shared layer',
    );
    assert.match(
      second('service backend', 'uses its own keys and those of .env.shared').reason,
      /cat \.env\.shared \.env\.<service>/,
    );
    assert.match(second('service etl', 'per tenant: acme, techcorp, wex').reason, /\.env\.etl\.wex$/);
  });

  it('refuses to replace an existing manifest without --force, and reports malformed Compose with its line', () => {
    const dir = copyExample('four-planes');
    const refused = runCli(['init', '--from-existing'], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already exists/);
    rmSync(join(dir, 'envplane.yaml'));
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  api:\n    env_file: [a\n');
    const before = hashTree(dir);
    const broken = runCli(['init', '--from-existing'], { cwd: dir });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /docker-compose\.yml:\d+:\d+: invalid YAML/);
    assert.deepEqual(hashTree(dir), before);
  });

  it('credentials inside URLs and connection strings become secrets; no such value is printed or written', () => {
    const dir = tempDir();
    const pass = 'Pq7-hunter2-canary';
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  api:',
        '    image: app',
        '    env_file: [.env]',
        '    environment:',
        `      - REDIS_URL=redis://:${pass}@cache:6379/0`,
        `      - "CONN=Server=db;Database=app;User Id=sa;Password=${pass};"`,
        '      - LOG_LEVEL=info',
        '      - SENTRY_DSN=https://k@sentry.example.com/1',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, '.env'),
      `AMQP_URL=amqp://guest:${pass}@mq/\nSTORAGE=AccountName=a;AccountKey=${pass};\nAPP_NAME=shop\n`,
    );
    const r = runCli(['init', '--from-existing', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    for (const out of [r.stdout, r.stderr, text]) assert.ok(!out.includes(pass), 'a credential was printed or written');
    const manifest = parseManifest(text);
    for (const key of ['REDIS_URL', 'CONN', 'AMQP_URL', 'STORAGE'])
      assert.equal(manifest.keys[key]?.plane, 'secret', key);
    assert.equal(manifest.keys.LOG_LEVEL?.default, 'info', 'a value surely public is still a default');
    // Uncertain (the DSN's user part may be a key): kept as config for the user to check, but no value written.
    assert.equal(manifest.keys.SENTRY_DSN?.plane, 'config');
    assert.equal(manifest.keys.SENTRY_DSN?.default, undefined);
    assert.ok(!text.includes('sentry.example.com'));
  });

  it('one value under two names in two services is proposed as one secret, compared by digest and never printed', () => {
    const dir = tempDir();
    const pass = 'Wp-canary-7f3e9a1c';
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  db:',
        '    image: mysql',
        '    environment:',
        `      - MYSQL_PASSWORD=${pass}`,
        '      - MYSQL_ROOT_PASSWORD=other-root-value-1',
        '  wordpress:',
        '    image: wordpress',
        '    environment:',
        `      WORDPRESS_DB_PASSWORD: ${pass}`,
        '',
      ].join('\n'),
    );
    for (const json of [[], ['--json']]) {
      rmSync(join(dir, 'envplane.yaml'), { force: true });
      const r = runCli(['init', '--from-existing', ...json], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout + r.stderr;
      assert.ok(!out.includes(pass) && !readFileSync(join(dir, 'envplane.yaml'), 'utf8').includes(pass));
      assert.match(
        out,
        /MYSQL_PASSWORD \(db\) and WORDPRESS_DB_PASSWORD \(wordpress\) hold the same value \(compared by digest\): probably one credential/,
      );
      assert.ok(!/MYSQL_ROOT_PASSWORD \(db\) and/.test(out), 'a different value is not proposed');
    }
  });
});
