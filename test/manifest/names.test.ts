/**
 * Names are attack input (issue 12 items 1–3, issue 15 item 3): every name is checked once, at normalization, with
 * its location; two declarations that render to one name are refused naming both; a manifest with several mistakes
 * reports all of them in one run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type ErrorDetail, EnvplaneError } from '../../src/errors.ts';
import { isValidName } from '../../src/manifest/names.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import { hashTree, runCli, tempDir } from '../_helpers.ts';

/** Every problem parsing reports, as `line:column message`. */
function problems(text: string): string[] {
  try {
    parseManifest(text);
  } catch (error) {
    assert.ok(error instanceof EnvplaneError, `expected EnvplaneError, got ${String(error)}`);
    assert.equal(error.kind, 'input');
    const all: readonly ErrorDetail[] = error.problems ?? [error];
    return all.map((p) => `${p.location?.line}:${p.location?.column} ${p.message}`);
  }
  return [];
}

const base = (environments: string, rest = '') => `project: demo
environments:
${environments}
keys:
  HOST: config
  db_password: secret
services:
  api: { uses: [HOST, db_password] }
${rest}`;

describe('names: environments and aliases', () => {
  it('a letter, then letters, digits, - or _ (at most 63); prod_eu stays valid', () => {
    for (const ok of ['dev', 'prod_eu', 'Staging-2', `a${'b'.repeat(62)}`])
      assert.ok(isValidName('environment', ok), ok);
    for (const bad of [
      'dev$(touch PWNED)',
      'x/../../outside',
      '../../outside',
      '1dev',
      '-x',
      'a.b',
      'a b',
      '',
      `a${'b'.repeat(63)}`,
    ])
      assert.ok(!isValidName('environment', bad), bad);
  });

  it('a hostile environment or alias is refused at its line, every one of them', () => {
    const found = problems(
      base(`  "dev$(touch PWNED)": {}
  production:
    aliases: ["x/../../outside", prod]`),
    );
    assert.deepEqual(found, [
      '3:3 environment "dev$(touch PWNED)" is not a valid name',
      '5:15 alias "x/../../outside" of environment "production" is not a valid name',
    ]);
  });

  it('environment layers take no placeholders; service layers only {env} and {tenant}, never outside', () => {
    const found = problems(
      base(
        `  development:
    config: ["config/{env}.env"]`,
        `  web: { uses: [HOST], config: ["../{env}.env", "svc/{name}.env"] }\n`,
      ).replace('services:\n', 'services:\n'),
    );
    assert.deepEqual(found, [
      '4:14 unknown placeholder {env} in "config/{env}.env"',
      '10:33 path "../{env}.env" leaves the project directory',
      '10:49 unknown placeholder {name} in "svc/{name}.env"',
    ]);
  });
});

describe('names: store patterns', () => {
  it('a files pattern needs {name} and stays in the store; external names are plain', () => {
    const found = problems(
      base(`  development:
    secrets: { store: files, dir: secrets, pattern: "all.txt", tenantPattern: "{tenant}/x.txt" }
  production:
    secrets: { store: external, prefix: "a b;", pattern: "{prefix}{nom}" }`),
    );
    assert.deepEqual(found, [
      '4:44 the pattern "all.txt" has no {name}: every secret would share one file',
      '4:64 the pattern "{tenant}/x.txt" has no {name}: every secret would share one file',
      '6:33 the prefix "a b;" is not part of a valid secret name',
      '6:49 unknown placeholder {nom} in "{prefix}{nom}"',
    ]);
  });
});

describe('names: one run reports every problem', () => {
  const threeMistakes = `project: demo
environments:
  "dev$(id)": {}
tenants: [wex]
keys:
  HOST: config
services:
  api: { uses: [HOST, MISSING] }
  Web: { uses: [HOST] }
`;

  it('three independent mistakes: three located problems', () => {
    assert.deepEqual(problems(threeMistakes), [
      '3:3 environment "dev$(id)" is not a valid name',
      '9:3 service "Web" is not a valid name',
      '8:23 service "api" uses unknown key "MISSING"',
    ]);
  });

  it('schema mistakes are listed too, not "(and 1 more problem(s))"', () => {
    const found = problems(`project: demo
environments:
  development: { confg: [] }
keys:
  A: { plane: sekret }
`);
    assert.equal(found.length, 2, found.join('\n'));
    assert.ok(found.every((p) => !p.includes('more problem')));
    assert.match(found.join('\n'), /unknown field "confg"/);
    assert.match(found.join('\n'), /keys\.A\.plane must be one of/);
  });

  it('the CLI prints every problem with its hint and exits 2 once', () => {
    const dir = tempDir('envplane-names-');
    writeFileSync(join(dir, 'envplane.yaml'), threeMistakes);
    const r = runCli(['check'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.deepEqual(errors, [
      'error: envplane.yaml:3:3: environment "dev$(id)" is not a valid name',
      'error: envplane.yaml:9:3: service "Web" is not a valid name',
      'error: envplane.yaml:8:23: service "api" uses unknown key "MISSING"',
    ]);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('  hint: ')).length, 3);
    assert.match(r.stderr, /^3 problems$/m);
  });
});

describe('names: rendered names that collide', () => {
  it('an instance etl@wex and a service etl-wex are one Compose service: both named', () => {
    const found = problems(`project: demo
environments:
  development: {}
tenants: [wex]
keys:
  HOST: config
services:
  etl: { perTenant: true, uses: [HOST] }
  etl-wex: { uses: [HOST] }
`);
    assert.deepEqual(found, [
      '9:3 service etl-wex and etl@wex would share the service "etl-wex"; etl@wex is at envplane.yaml:8:3',
    ]);
  });

  it('names equal in the 63 characters Kubernetes keeps collide', () => {
    const long = 'a'.repeat(60);
    const found = problems(`project: demo
environments:
  development: {}
tenants: [wex1, wex2]
keys:
  HOST: config
services:
  ${long}: { perTenant: true, uses: [HOST] }
`);
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(
      found[0]!,
      new RegExp(`${long}@wex2 and ${long}@wex1 would share the service "${long}-we" \\(cut to 63 characters\\)`),
    );
  });

  it('db.pass and db_pass both point DB_PASS_FILE at their file; config TOK_FILE is secret tok’s pointer', () => {
    const found = problems(`project: demo
environments:
  development: {}
keys:
  db.pass: secret
  db_pass: secret
  tok: secret
  TOK_FILE: config
services:
  api: { uses: [db.pass, db_pass, tok, TOK_FILE] }
`);
    assert.deepEqual(found, [
      '10:26 the file variable of secret db_pass and the file variable of secret db.pass would share a variable of api "DB_PASS_FILE"; the file variable of secret db.pass is at envplane.yaml:10:17',
      '10:26 secret db_pass and secret db.pass would share a variable of api (ECS, run --secrets=env) "DB_PASS"; secret db.pass is at envplane.yaml:10:17',
      '10:40 config key TOK_FILE and the file variable of secret tok would share a variable of api "TOK_FILE"; the file variable of secret tok is at envplane.yaml:10:35',
    ]);
  });

  it('a tenant’s secret a_wex and a shared secret a_wex: one Compose secret key, one external name', () => {
    const found = problems(`project: demo
environments:
  production:
    secrets: { store: external, prefix: P_, tenantPattern: "{prefix}{name}_{tenant}" }
tenants: [wex]
keys:
  a: { plane: secret, perTenant: true }
  a_wex: secret
services:
  etl: { perTenant: true, uses: [a] }
  api: { uses: [a_wex] }
`);
    assert.deepEqual(found, [
      '8:3 secret a_wex and secret a of tenant wex would share the Compose secret "a_wex"; secret a of tenant wex is at envplane.yaml:7:3',
      '8:3 secret a_wex and secret a of tenant wex would share the external secret of production "P_a_wex"; secret a of tenant wex is at envplane.yaml:7:3',
    ]);
  });

  it('check refuses a collision with exit 2 (it reported success before)', () => {
    const dir = tempDir('envplane-names-');
    writeFileSync(
      join(dir, 'envplane.yaml'),
      `project: demo
environments:
  development: {}
tenants: [wex]
keys:
  HOST: { plane: config, default: x }
services:
  etl: { perTenant: true, uses: [HOST] }
  etl-wex: { uses: [HOST] }
`,
    );
    const r = runCli(['check'], { cwd: dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /envplane\.yaml:9:3: service etl-wex and etl@wex would share the service "etl-wex"; etl@wex is at envplane\.yaml:8:3/,
    );
  });
});

describe('names: what reached a shell, a path or a file name before', () => {
  const hostile = (env: string, rest = '') => `project: demo
environments:
  ${JSON.stringify(env)}: {}
keys:
  HOST: { plane: config, default: x }
services:
  api: { uses: [HOST] }
${rest}`;

  it('render ci github with an environment named dev$(touch PWNED): refused, nothing written', () => {
    const dir = tempDir('envplane-names-');
    writeFileSync(join(dir, 'envplane.yaml'), hostile('dev$(touch PWNED)'));
    const before = hashTree(dir);
    const r = runCli(['render', 'ci', 'github', '--env', 'dev$(touch PWNED)'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /envplane\.yaml:3:3: environment "dev\$\(touch PWNED\)" is not a valid name/);
    assert.deepEqual(hashTree(dir), before);
  });

  it('render compose --mode standalone with an environment x/../../outside writes nothing outside', () => {
    const parent = tempDir('envplane-names-');
    const dir = join(parent, 'a', 'b');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'envplane.yaml'), hostile('x/../../outside'));
    const r = runCli(['render', 'compose', '--env', 'x/../../outside', '--mode', 'standalone'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(existsSync(join(parent, 'outside.yml')), false);
    assert.equal(existsSync(join(dir, 'compose.x')), false);
  });

  it('a layer template svc/{env}.env with an environment ../../outside never reads outside', () => {
    const parent = tempDir('envplane-names-');
    const dir = join(parent, 'a', 'b');
    mkdirSync(join(dir, 'svc'), { recursive: true });
    writeFileSync(join(parent, 'outside.env'), 'HOST=from-outside\n');
    writeFileSync(
      join(dir, 'envplane.yaml'),
      hostile('../../outside').replace('api: { uses: [HOST] }', 'api: { uses: [HOST], config: ["svc/{env}.env"] }'),
    );
    const r = runCli(['env', '--env', '../../outside', '--service', 'api', '--reveal'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /from-outside/);
  });
});
