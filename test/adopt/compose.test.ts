import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseComposeText } from '../../src/adopt/_compose-parse.ts';
import { EnvplaneError } from '../../src/errors.ts';
import { findComposeFiles, readComposeFiles } from '../../src/project/compose.ts';
import { copyExample, REPO, tempDir } from '../_helpers.ts';

const FIXTURE = join(REPO, 'test/adopt/fixtures/compose-override');

test('findComposeFiles orders base, override, then variants', () => {
  assert.deepEqual(findComposeFiles(FIXTURE), ['compose.yaml', 'compose.override.yaml', 'compose.prod.yaml']);
  assert.deepEqual(findComposeFiles(copyExample('four-planes')), ['docker-compose.yml', 'docker-compose.prod.yml']);
});

test('short and long secrets, env_file forms, environment map and list, build secrets, with lines', () => {
  const model = readComposeFiles(FIXTURE, ['compose.yaml']);
  const api = model.services.api!;
  assert.deepEqual(
    api.envFiles.map((e) => [e.path, e.required, e.line]),
    [['config/base.env', true, 12]],
  );
  assert.deepEqual(
    api.environment.map((v) => [v.key, v.value, v.line]),
    [
      ['LOG_LEVEL', 'info', 14],
      ['API_PORT', '8080', 15],
      ['DATABASE_PASSWORD_FILE', '/run/secrets/db_password', 16],
      ['HOME_DIR', undefined, 17],
    ],
  );
  assert.deepEqual(
    api.secrets.map((s) => [s.source, s.target, s.line]),
    [
      ['db_password', '/run/secrets/db_password', 19],
      ['stripe_key', '/run/secrets/stripe_key', 21],
    ],
  );
  assert.deepEqual(
    api.buildSecrets.map((s) => [s.source, s.line]),
    [['npm_token', 10]],
  );
  const web = model.services.web!;
  assert.deepEqual(
    web.envFiles.map((e) => [e.path, e.required]),
    [
      ['config/base.env', true],
      ['config/web.env', false],
    ],
  );
  assert.equal(web.environment[0]!.value, '$' + '{PUBLIC_API_URL:-http://localhost:8080}');
  assert.deepEqual(
    model.services.db!.secrets.map((s) => s.source),
    ['db_password'],
  );
  assert.deepEqual(model.secrets.db_password, {
    name: 'db_password',
    file: 'compose.yaml',
    line: 43,
    external: false,
    path: 'secrets/db_password.txt',
  });
  assert.equal(model.secrets.stripe_key!.environment, 'STRIPE_KEY');
});

test('an override file appends env files, merges environment and secrets like Compose', () => {
  const model = readComposeFiles(FIXTURE, ['compose.yaml', 'compose.override.yaml']);
  const api = model.services.api!;
  assert.deepEqual(
    api.envFiles.map((e) => [e.path, e.file]),
    [
      ['config/base.env', 'compose.yaml'],
      ['config/dev.env', 'compose.override.yaml'],
    ],
  );
  const log = api.environment.find((v) => v.key === 'LOG_LEVEL')!;
  assert.deepEqual([log.value, log.file, log.line], ['debug', 'compose.override.yaml', 6]);
  assert.deepEqual(
    api.secrets.map((s) => s.source),
    ['db_password', 'stripe_key', 'session_secret'],
  );
  assert.equal(model.services.worker!.complete, true);
  assert.deepEqual(Object.keys(model.secrets).sort(), ['db_password', 'npm_token', 'session_secret', 'stripe_key']);
  assert.deepEqual(model.files, ['compose.yaml', 'compose.override.yaml']);
});

test('external secrets: `external: true` + name, and the deprecated `external: {name}`', () => {
  const model = readComposeFiles(FIXTURE, ['compose.prod.yaml']);
  assert.deepEqual(
    Object.values(model.secrets).map((s) => [s.name, s.external, s.externalName]),
    [
      ['db_password', true, 'shop_db_password'],
      ['stripe_key', true, 'shop_stripe_key'],
      ['session_secret', true, 'shop_session_secret'],
    ],
  );
});

test('malformed YAML and wrong shapes are located input errors', () => {
  const cases: [string, number][] = [
    ['services:\n  api:\n    image: x\n   bad: [\n', 4],
    ['services:\n  api:\n    env_file: {a: 1}\n', 3],
    ['services:\n  api:\n    secrets:\n      - target: x\n', 4],
    ['services:\n  a: 1\n  a: 2\n', 3],
    ['services: [a, b]\n', 1],
  ];
  for (const [text, line] of cases) {
    assert.throws(
      () => parseComposeText(text, 'compose.yaml'),
      (error: unknown) =>
        error instanceof EnvplaneError &&
        error.kind === 'input' &&
        error.location?.file === 'compose.yaml' &&
        error.location.line === line &&
        error.hint !== undefined,
      text,
    );
  }
});

test('a YAML error in a compose file quotes none of its text, and the parser prints no warning', async () => {
  // Compose files hold values (`environment:`), so neither the error nor Node's warning channel may repeat them.
  const value = 'qZ7canary-db-password';
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const cases: [string, number, RegExp][] = [
      [`services:\n  api:\n    image: x\n...\n"${value}{"\n`, 5, /Source contains multiple documents|Unexpected/],
      [`a *a...\n#x\n"${value}{"\n`, 3, /Unexpected double-quoted-scalar token in YAML stream$/],
      [
        `services:\n  api:\n    environment:\n      { PASSWORD: ${value} }: 1\n`,
        4,
        /a list or mapping is used as a mapping key/,
      ],
    ];
    for (const [text, line, message] of cases)
      assert.throws(
        () => parseComposeText(text, 'compose.yaml'),
        (error: unknown) => {
          assert.ok(error instanceof EnvplaneError, String(error));
          assert.equal(error.location?.line, line, error.message);
          assert.match(error.message, message);
          assert.ok(!`${error.message} ${error.hint}`.includes(value), error.message);
          return true;
        },
        text,
      );
    await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});

test('hostile compose YAML: alias bombs, merge-key floods, deep nesting and custom tags end in a located error', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const n of 'bcdefgh')
    bomb.push(
      `${n}: &${n} [${Array(10)
        .fill(`*${bomb.length === 1 ? 'a' : String.fromCharCode(n.charCodeAt(0) - 1)}`)
        .join(', ')}]`,
    );
  const cases: [string, string, RegExp][] = [
    [
      'an alias bomb (10^8 nodes)',
      `${bomb.join('\n')}\nservices: { api: { image: x, environment: *h } }\n`,
      /too many alias expansions/,
    ],
    [
      'three thousand merge keys',
      `x: &x { image: a }\nservices:\n${Array.from({ length: 3000 }, (_, i) => `  s${i}: { <<: *x }`).join('\n')}\n`,
      /too many alias expansions/,
    ],
    [
      'environment nested fifty thousand deep',
      `services: { api: { image: x, environment: ${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)} } }\n`,
      /invalid YAML: nested too deeply$/,
    ],
    [
      'a custom tag where a service belongs',
      'services:\n  api: !!js/function "x"\n',
      /service "api" must be a mapping/,
    ],
  ];
  for (const [name, text, message] of cases)
    assert.throws(
      () => parseComposeText(text, 'compose.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof EnvplaneError, `${name}: ${String(error)}`);
        assert.equal(error.kind, 'input', name);
        assert.equal(error.location?.file, 'compose.yaml', name);
        assert.match(error.message, message, name);
        assert.ok(error.hint, name);
        return true;
      },
      name,
    );
});

test('a missing compose file is an input error naming it', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'compose.yaml'), 'services: {}\n');
  assert.throws(() => readComposeFiles(dir, ['compose.yaml', 'nope.yml']), /compose file nope.yml does not exist/);
});
