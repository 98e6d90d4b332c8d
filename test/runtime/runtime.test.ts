/** envplane/runtime: lookup order, typed result, errors that list names only, and a Secret that never prints. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { createEnv, MissingEnvError, readSecret, Secret } from '../../src/runtime/index.ts';
import { REPO, tempDir } from '../_helpers.ts';

const CANARY = 'canary-runtime-7f3a9c';

function secretFiles(): { dir: string; fileDir: string; mountDir: string } {
  const dir = tempDir('envplane-runtime-');
  const fileDir = join(dir, 'run-dir');
  const mountDir = join(dir, 'mount');
  mkdirSync(fileDir);
  mkdirSync(mountDir);
  return { dir, fileDir, mountDir };
}

describe('readSecret', () => {
  test('<KEY>_FILE first, then ENVPLANE_SECRETS_DIR/<name>, then the mount directory', () => {
    const { dir, fileDir, mountDir } = secretFiles();
    writeFileSync(join(dir, 'explicit'), 'from-file-env\n');
    writeFileSync(join(fileDir, 'db_password'), 'from-secrets-dir');
    writeFileSync(join(mountDir, 'db_password'), 'from-mount\n');
    const all = { DB_PASSWORD_FILE: join(dir, 'explicit'), ENVPLANE_SECRETS_DIR: fileDir };
    const read = (env: Record<string, string>) => readSecret('db_password', { env, secretsDir: mountDir })?.reveal();
    assert.equal(read(all), 'from-file-env');
    assert.equal(read({ ENVPLANE_SECRETS_DIR: fileDir }), 'from-secrets-dir');
    assert.equal(read({}), 'from-mount');
    assert.equal(readSecret('other', { env: {}, secretsDir: mountDir }), undefined);
  });

  test('a custom fileEnv; a missing or empty file falls through to the next place', () => {
    const { dir, mountDir } = secretFiles();
    writeFileSync(join(dir, 'empty'), '\n');
    writeFileSync(join(mountDir, 'pg'), 'mounted');
    const env = { POSTGRES_PASSWORD_FILE: join(dir, 'empty'), PG_FILE: join(dir, 'nope') };
    assert.equal(
      readSecret('pg', { env, fileEnv: 'POSTGRES_PASSWORD_FILE', secretsDir: mountDir })?.reveal(),
      'mounted',
    );
    assert.equal(readSecret('pg', { env, secretsDir: mountDir })?.reveal(), 'mounted');
  });

  test('names that are paths are refused', () => {
    for (const bad of ['../x', '/etc/passwd', '..', 'a\\b', ''])
      assert.throws(() => readSecret(bad, { env: {} }), /not a secret name/);
  });
});

describe('Secret', () => {
  const secret = new Secret('api_key', CANARY);

  test('never prints its value', () => {
    const shown = [
      String(secret),
      `${secret}`,
      `x${secret}`,
      'x' + secret,
      JSON.stringify({ secret }),
      JSON.stringify(secret),
      inspect(secret),
      inspect({ nested: { secret } }, { depth: 5, showHidden: true }),
      secret.toString(),
      Object.keys(secret).join(','),
      JSON.stringify({ ...secret }),
    ];
    for (const text of shown) assert.ok(!text.includes(CANARY), `leaked in: ${text.replace(CANARY, '<value>')}`);
    assert.equal(String(secret), '[REDACTED]');
    assert.equal(JSON.stringify({ secret }), '{"secret":"[REDACTED]"}');
  });

  test('console.log of a secret in a real process prints [REDACTED]', () => {
    const script = `import { Secret } from ${JSON.stringify(join(REPO, 'src/runtime/index.ts'))};
      const s = new Secret('api_key', process.argv[2] === 'x' ? '' : ${JSON.stringify(CANARY)});
      console.log(s); console.log({ s }); console.error('%s %o %j', s, s, s); console.log([s], new Map([[1, s]]));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: REPO,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(CANARY));
    assert.match(r.stdout, /\[REDACTED\]/);
  });

  test('reveal() returns the value; equals() compares in constant time', () => {
    assert.equal(secret.reveal(), CANARY);
    assert.ok(secret.equals(CANARY));
    assert.ok(secret.equals(new Secret('other', CANARY)));
    assert.ok(!secret.equals(`${CANARY}x`));
    assert.ok(!secret.equals(''));
  });
});

describe('createEnv', () => {
  test('typed config and secrets from the places envplane run delivers them', () => {
    const { fileDir } = secretFiles();
    writeFileSync(join(fileDir, 'postgres_password'), CANARY);
    const env = createEnv({
      config: ['POSTGRES_HOST', 'LOG_LEVEL'],
      secrets: ['postgres_password', 'openai_api_key'],
      optional: ['LOG_LEVEL', 'openai_api_key'],
      env: { POSTGRES_HOST: 'db', ENVPLANE_SECRETS_DIR: fileDir },
      secretsDir: fileDir,
    });
    const host: string = env.config.POSTGRES_HOST;
    const level: string | undefined = env.config.LOG_LEVEL;
    const optionalSecret: Secret | undefined = env.secrets.openai_api_key;
    // Typed end to end: undeclared names do not exist, required ones are not optional (checked by tsc).
    // @ts-expect-error POSTGRES_PORT was not declared
    assert.equal(env.config.POSTGRES_PORT, undefined);
    // @ts-expect-error a required secret is a Secret, never undefined
    const notOptional: undefined = env.secrets.postgres_password;
    assert.ok(notOptional);
    assert.equal(host, 'db');
    assert.equal(level, undefined);
    assert.equal(optionalSecret, undefined);
    assert.equal(env.secrets.postgres_password.reveal(), CANARY);
    assert.ok(!JSON.stringify(env).includes(CANARY));
    assert.ok(!inspect(env, { depth: 10 }).includes(CANARY));
    assert.ok(Object.isFrozen(env) && Object.isFrozen(env.config) && Object.isFrozen(env.secrets));
  });

  test('every missing name in one error; names only', () => {
    const { fileDir } = secretFiles();
    writeFileSync(join(fileDir, 'present'), CANARY);
    let caught: unknown;
    try {
      createEnv({
        config: ['A', 'B', 'C'],
        secrets: ['present', 'gone_1', 'gone_2'],
        env: { B: CANARY, ENVPLANE_SECRETS_DIR: fileDir },
        secretsDir: join(fileDir, 'nowhere'),
      });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof MissingEnvError);
    assert.deepEqual(caught.missingConfig, ['A', 'C']);
    assert.deepEqual(caught.missingSecrets, ['gone_1', 'gone_2']);
    assert.match(caught.message, /config: A, C; secrets: gone_1, gone_2/);
    assert.ok(!caught.message.includes(CANARY) && !String(caught.stack).includes(CANARY));
  });

  test('the built dist/runtime.mjs has no YAML or schema library in it and stays small', async () => {
    const { readFileSync, statSync } = await import('node:fs');
    const path = join(REPO, 'dist', 'runtime.mjs');
    const text = readFileSync(path, 'utf8');
    assert.ok(!/valibot|yaml/i.test(text), 'runtime bundle pulls in YAML or valibot');
    assert.ok(statSync(path).size < 8_000, `dist/runtime.mjs is ${statSync(path).size} bytes`);
    const runtime = (await import(path)) as typeof import('../../src/runtime/index.ts');
    assert.equal(typeof runtime.createEnv, 'function');
    assert.equal(typeof runtime.readSecret, 'function');
  });
});

describe('runtime under envplane run', () => {
  test('a child reads what run delivered through dist/runtime.mjs, and nothing prints a value', async () => {
    const { fourPlanesWithSecrets } = await import('../run/_project.ts');
    const { runCli } = await import('../_helpers.ts');
    const { dir, canaries } = fourPlanesWithSecrets();
    const script = `
      const { createEnv } = await import(${JSON.stringify(join(REPO, 'dist', 'runtime.mjs'))});
      const env = createEnv({ config: ['POSTGRES_SERVER', 'LOG_LEVEL'], secrets: ['postgres_password', 'secret_key'] });
      console.log(env);
      console.log(JSON.stringify({ host: env.config.POSTGRES_SERVER, shown: \`\${env.secrets.postgres_password}\`,
        matches: env.secrets.postgres_password.equals(${JSON.stringify(canaries.postgres_password)}) }));`;
    const r = runCli(
      ['run', '--env', 'dev', '--service', 'backend', '--', process.execPath, '--input-type=module', '-e', script],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(last, { host: 'postgres', shown: '[REDACTED]', matches: true });
    // The canary is on the test's own command line (the script), so search the child's output only.
    for (const value of Object.values(canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
  });
});
