import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EnvplaneError } from '../../src/errors.ts';
import { manifestJsonSchema } from '../../src/manifest/json-schema.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import { REPO } from '../_helpers.ts';

const minimal = `project: demo
environments:
  development:
    aliases: [dev]
    config: [config/common.env]
keys:
  HOST: config
  db_password: { plane: secret, generate: hex:16 }
services:
  api: { uses: [HOST, db_password] }
`;

/** Asserts that parsing fails with an input error at line:column whose message and hint match. */
function fails(text: string, line: number, column: number, message: RegExp, hint?: RegExp) {
  assert.throws(
    () => parseManifest(text),
    (error: unknown) => {
      assert.ok(error instanceof EnvplaneError, `expected EnvplaneError, got ${String(error)}`);
      assert.equal(error.kind, 'input');
      assert.match(error.message, message);
      assert.deepEqual(
        { file: error.location?.file, line: error.location?.line, column: error.location?.column },
        { file: 'envplane.yaml', line, column },
        `location of "${error.message}"`,
      );
      if (hint) assert.match(error.hint ?? '', hint);
      return true;
    },
  );
}

describe('manifest: normalization', () => {
  it('applies defaults', () => {
    const m = parseManifest(minimal);
    assert.equal(m.project, 'demo');
    assert.deepEqual(m.environments[0], {
      name: 'development',
      aliases: ['dev'],
      config: ['config/common.env'],
      secrets: { kind: 'files', dir: 'secrets', pattern: '{name}.txt', tenantPattern: '{tenant}/{name}.txt' },
    });
    assert.deepEqual(m.keys.HOST, { name: 'HOST', plane: 'config', required: false, perTenant: false });
    assert.deepEqual(m.keys.db_password, {
      name: 'db_password',
      plane: 'secret',
      required: true,
      perTenant: false,
      generate: { kind: 'hex', length: 16 },
      fileEnv: 'DB_PASSWORD_FILE',
    });
    assert.deepEqual(m.services.api?.tenants, []);
  });

  it('parses both examples', () => {
    for (const name of ['four-planes', 'service-scoped']) {
      const m = parseManifest(readFileSync(join(REPO, 'examples', name, 'envplane.yaml'), 'utf8'));
      assert.ok(Object.keys(m.services).length >= 3, name);
    }
  });

  it('defaults secret generation to base64:32 and accepts uuid and password rules', () => {
    const m = parseManifest(minimal.replace('hex:16', 'base64'));
    assert.deepEqual(m.keys.db_password?.generate, { kind: 'base64', length: 32 });
    const p = parseManifest(minimal.replace('hex:16', 'password:24'));
    assert.equal(p.keys.db_password?.generate?.kind, 'password');
    assert.equal(p.keys.db_password?.generate?.length, 24);
    assert.equal(parseManifest(minimal.replace('hex:16', 'uuid')).keys.db_password?.generate?.kind, 'uuid');
  });
});

describe('manifest: located errors with hints', () => {
  it('unknown top-level field, with did-you-mean', () =>
    fails(`${minimal}servces: {}\n`, 11, 1, /unknown field "servces"/, /did you mean "services"/));

  it('unknown field in a service', () =>
    fails(
      minimal.replace('api: { uses', 'api: { usse: [], uses'),
      10,
      10,
      /unknown field "usse" in services\.api/,
      /"uses"/,
    ));

  it('unknown key used by a service', () =>
    fails(
      minimal.replace('uses: [HOST, db_password]', 'uses: [HOTS, db_password]'),
      10,
      17,
      /unknown key "HOTS"/,
      /did you mean "HOST"/,
    ));

  it('a wrong plane', () =>
    fails(
      minimal.replace('HOST: config', 'HOST: sekret'),
      7,
      3,
      /keys\.HOST must be one of build, config, public, secret/,
      /did you mean "secret"/,
    ));

  it('a wrong store', () =>
    fails(
      minimal.replace('config: [config/common.env]', 'config: [a.env]\n    secrets: { store: consul }'),
      6,
      16,
      /secrets\.store must be one of files, external, vault, aws/,
    ));

  it('a weak generation rule', () => fails(minimal.replace('hex:16', 'hex:8'), 8, 33, /64 bits/, /base64:32/));

  it('malformed YAML', () => fails('project: [x\n', 2, 1, /invalid YAML/));

  it('duplicate services', () =>
    fails(`${minimal}  api: { uses: [] }\n`, 11, 3, /invalid YAML: Map keys must be unique/, /once/));

  it('a layer path that leaves the project', () =>
    fails(minimal.replace('config/common.env', '../../etc/passwd'), 5, 14, /leaves the project/));

  it('an alias used twice', () =>
    fails(minimal.replace('aliases: [dev]', 'aliases: [dev, dev]'), 4, 20, /already names/));

  it('a per-tenant key in a service that is not per tenant', () =>
    fails(
      minimal.replace(
        'db_password: { plane: secret, generate: hex:16 }',
        'db_password: { plane: secret, perTenant: true }',
      ),
      10,
      23,
      /one value per tenant/,
      /perTenant: true/,
    ));

  it('a secret with a default value', () =>
    fails(minimal.replace('generate: hex:16', 'default: hunter2'), 8, 33, /cannot have a default/));

  it('a default holding a NUL (YAML "\\0"), which no environment variable can carry', () =>
    fails(minimal.replace('HOST: config', 'HOST: { plane: config, default: "a\\0b" }'), 7, 26, /NUL character/));

  it('an unquoted default that YAML reads as another number or boolean (1.50 → 1.5): refused, with the quoted form', () => {
    for (const written of ['1.50', '0x10', '012', '1e3', 'True', '.inf', '-0'])
      fails(
        minimal.replace('HOST: config', `HOST: { plane: config, default: ${written} }`),
        7,
        26,
        new RegExp(`default of "HOST" is written ${written.replace('.', '\\.')}, which YAML reads as`),
        new RegExp(`default: "${written.replace('.', '\\.')}"`),
      );
    for (const [written, value] of [
      ['8080', '8080'],
      ['false', 'false'],
      ['"1.50"', '1.50'],
      ['0.5', '0.5'],
    ])
      assert.equal(
        parseManifest(minimal.replace('HOST: config', `HOST: { plane: config, default: ${written} }`)).keys.HOST
          ?.default,
        value,
      );
  });

  it('a project name no image, Compose project or stack can carry (spaces, capitals, NUL, a path)', () => {
    for (const name of ['"My Project!"', 'MyApp', '"a\\0b"', '"../x"', `${'a'.repeat(64)}`])
      fails(
        minimal.replace('project: demo', `project: ${name}`),
        1,
        1,
        /project name is not a valid name/,
        /lower-case/,
      );
    assert.equal(parseManifest(minimal.replace('project: demo', 'project: my_app.v2')).project, 'my_app.v2');
  });

  it('secret names that could escape the store', () =>
    fails(minimal.replaceAll('db_password', '../x'), 8, 3, /not a valid secret key name/));

  it('custom tags and alias bombs are refused', () => {
    fails('project: !!js/function "x"\nenvironments: {}\n', 1, 10, /invalid YAML/);
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    assert.throws(() => parseManifest(bomb), EnvplaneError);
  });

  it('merge keys are not expanded', () => fails(`${minimal}<<: {x: 1}\n`, 11, 1, /unknown field "<<"/));

  it('an empty manifest', () => fails('', 1, 1, /empty/, /envplane init/));
});

describe('manifest: JSON Schema', () => {
  it('schema/envplane.schema.json is generated from the runtime schema (run `npm run build` when it differs)', () => {
    const committed = JSON.parse(readFileSync(join(REPO, 'schema', 'envplane.schema.json'), 'utf8'));
    assert.deepEqual(committed, manifestJsonSchema());
  });
});
