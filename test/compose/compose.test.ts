/**
 * `envplane compose`: the user's Compose with the user's files plus envplane's wiring. docker-compose 1.29 (the
 * real one) for v1; for v2 the real docker CLI 28 dispatching to a fake compose plugin (DOCKER_CONFIG/cli-plugins)
 * that records argv, environment and files, so detection and argument building run exactly as they would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { hashTree, runCli, tempDir } from '../_helpers.ts';
import { assertComposeSpec, DOCKER_COMPOSE } from '../targets/_tools.ts';
import { composeProject, fakePlugin } from './_fixture.ts';

/** The real docker CLI, from PATH: the test fails without it (it is on every machine of this kind). */
const DOCKER = (() => {
  const found = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(found, 'the docker CLI is required (Debian package docker.io, or Docker’s docker-ce-cli)');
  return found;
})();

/** A PATH of one folder holding `docker` (real), node, and when asked the real `docker-compose` (PyYAML is its). */
function pathWith(tools: string[]): string {
  const bin = tempDir('envplane-bin-');
  for (const tool of [...tools, process.execPath]) symlinkSync(tool, join(bin, tool.split('/').pop()!));
  return bin;
}

interface Report {
  argv: string[];
  env: Record<string, string>;
  files: Record<string, string>;
  cwd: string;
  signal?: string;
}

describe('envplane compose with docker-compose v1 (real)', () => {
  test('config: the user’s file plus the wiring, merged by Compose; values never printed; names carry a revision', () => {
    assert.ok(existsSync(DOCKER_COMPOSE), `${DOCKER_COMPOSE} is required (apt-get install docker-compose)`);
    const f = composeProject();
    const env = { PATH: pathWith([DOCKER, DOCKER_COMPOSE]) };
    const before = hashTree(f.dir);
    const r = runCli(['compose', '--env', 'dev', '--', 'config'], { cwd: f.dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /docker-compose 1\.29\.\d+ \(v1; docker has no compose plugin: install the Compose v2 plugin/,
    );
    assert.match(r.stderr, /docker-compose-plugin/);
    const config = parse(r.stdout) as {
      services: Record<
        string,
        {
          image?: string;
          environment?: Record<string, string>;
          secrets?: { source: string; target: string }[];
          ports?: unknown;
        }
      >;
      secrets: Record<string, { file: string }>;
    };
    assert.deepEqual(Object.keys(config.services).sort(), ['api', 'etl-a', 'etl-b']);
    assert.ok(config.services.api?.ports, 'the user’s own settings are kept');
    assert.equal(config.services.api?.environment?.LOG_LEVEL, 'debug');
    assert.equal(config.services.api?.environment?.PRICE, '$$5', 'config prints $ escaped, ready to interpolate again');
    const names = Object.keys(config.secrets).sort();
    assert.equal(names.length, 3);
    for (const name of names) assert.match(name, /^(db_password|token_a|token_b)_[0-9a-f]{12}$/);
    const tokenA = config.services['etl-a']?.secrets?.[0];
    assert.equal(tokenA?.target, 'token');
    assert.match(tokenA?.source ?? '', /^token_a_/);
    assert.equal(config.secrets[tokenA!.source]?.file, join(f.dir, 'secrets', 'a', 'token.txt'));
    for (const value of Object.values(f.canaries)) assert.ok(!`${r.stdout}${r.stderr}`.includes(value));
    // Nothing new in the project but the revision key, a secret of the store (git-ignored with the others).
    const after = hashTree(f.dir);
    assert.deepEqual(
      Object.keys(after).filter((p) => before[p] === undefined),
      ['secrets/envplane_revision_key.txt'],
    );
    assert.equal(after['secrets/envplane_revision_key.txt']?.split(':')[0], '600');

    // A changed value gives that secret, and only that one, a new name: `up` recreates exactly its containers.
    writeFileSync(join(f.dir, 'secrets', 'a', 'token.txt'), 'a-new-value\n');
    const again = parse(
      runCli(['compose', '--env', 'dev', '--', 'config'], { cwd: f.dir, env }).stdout,
    ) as typeof config;
    const renamed = Object.keys(again.secrets).filter((n) => !names.includes(n));
    assert.equal(renamed.length, 1);
    assert.match(renamed[0]!, /^token_a_/);
  });

  test('the wiring matches the compose-spec schema and docker-compose config accepts it on the user’s file', () => {
    const f = composeProject();
    const env = { PATH: pathWith([DOCKER, DOCKER_COMPOSE]) };
    const r = runCli(['compose', '--env', 'dev', '--dry-run', '--', 'up', '-d'], { cwd: f.dir, env });
    assert.equal(r.code, 0, r.stderr);
    const [line, ...rest] = r.stdout.split('\n');
    const wiring = rest.join('\n');
    assert.match(line!, /^docker-compose -f compose\.yaml -f \/\S+\/compose\.envplane\.yml up -d$/);
    assertComposeSpec(parse(wiring), 'v1 wiring');
    const document = parse(wiring) as { 'x-envplane': { digest: string } };
    assert.match(document['x-envplane'].digest, /^sha256:[0-9a-f]{64}$/);
    // The digest covers the manifest and the references, not the values.
    writeFileSync(join(f.dir, 'secrets', 'db_password.txt'), 'other\n');
    const same = runCli(['compose', '--env', 'dev', '--dry-run', '--', 'up'], { cwd: f.dir, env });
    assert.equal(
      (parse(same.stdout.split('\n').slice(1).join('\n')) as typeof document)['x-envplane'].digest,
      document['x-envplane'].digest,
    );
    const file = join(f.dir, 'wiring.yml');
    writeFileSync(file, wiring);
    const v = spawnSync(DOCKER_COMPOSE, ['-f', 'compose.yaml', '-f', file, 'config', '-q'], {
      cwd: f.dir,
      encoding: 'utf8',
    });
    assert.equal(v.status, 0, v.stderr);
  });

  test('Compose’s exit code passes through; its output is redacted', () => {
    const f = composeProject();
    // A config value that holds a secret's value (a connection string, say) would be printed by `config`.
    writeFileSync(join(f.dir, '.env.shared'), `LOG_LEVEL=${f.canaries.db_password}\nPRICE=1\n`);
    const env = { PATH: pathWith([DOCKER, DOCKER_COMPOSE]) };
    const r = runCli(['compose', '--env', 'dev', '--', 'config'], { cwd: f.dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /LOG_LEVEL: '?\[REDACTED:db_password\]'?/);
    assert.ok(!r.stdout.includes(f.canaries.db_password));
    const bad = runCli(['compose', '--env', 'dev', '--', 'no-such-command'], { cwd: f.dir, env });
    const direct = spawnSync(DOCKER_COMPOSE, ['no-such-command'], { cwd: f.dir, encoding: 'utf8' });
    assert.notEqual(direct.status, 0);
    assert.equal(bad.code, direct.status);
  });

  test('a compose file that mounts a secret envplane wires is refused with its line; no compose file at all too', () => {
    const f = composeProject();
    writeFileSync(
      join(f.dir, 'compose.yaml'),
      'services:\n  api:\n    image: x\n    secrets:\n      - db_password\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n',
    );
    const env = { PATH: pathWith([DOCKER, DOCKER_COMPOSE]) };
    const r = runCli(['compose', '--env', 'dev', '--', 'config'], { cwd: f.dir, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /compose\.yaml:5: api mounts db_password/);
    const g = composeProject();
    const none = runCli(['compose', '--env', 'dev', '--', '-f', 'missing.yml', 'config'], { cwd: g.dir, env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /compose file missing\.yml does not exist/);
  });
});

describe('envplane compose with Compose v2 (the real docker CLI, a fake plugin)', () => {
  test('≥ 2.6: values only in Compose’s environment, store credentials removed, the user’s -f and globals kept', () => {
    const f = composeProject();
    const fake = fakePlugin('2.29.1');
    writeFileSync(join(f.dir, 'other.yml'), 'services:\n  api:\n    image: y\n');
    const env = {
      PATH: pathWith([DOCKER]),
      DOCKER_CONFIG: fake.config,
      VAULT_TOKEN: 'hvs.not-for-compose',
      AWS_SECRET_ACCESS_KEY: 'not-for-compose-either',
    };
    const r = runCli(['compose', '--env', 'dev', '--', '-p', 'demo', '-f', 'other.yml', 'up', '-d'], {
      cwd: f.dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /docker compose 2\.29\.1 \(v2 plugin\)/);
    assert.match(r.stderr, /3 secret\(s\) in Compose’s environment/);
    const seen = JSON.parse(readFileSync(fake.report, 'utf8')) as Report;
    const wiringPath = seen.argv[6]!;
    assert.deepEqual(seen.argv, ['compose', '-p', 'demo', '-f', 'other.yml', '-f', wiringPath, 'up', '-d']);
    assert.equal(seen.cwd, f.dir);
    const wiring = parse(seen.files[wiringPath]!) as {
      secrets: Record<string, { environment?: string; file?: string }>;
    };
    assertComposeSpec(wiring, 'v2 wiring');
    const defs = Object.entries(wiring.secrets);
    assert.equal(defs.length, 3);
    for (const [name, def] of defs) {
      assert.equal(def.file, undefined, `${name} is a file secret under Compose 2.29`);
      const value = seen.env[def.environment!];
      assert.ok(Object.values(f.canaries).includes(value!), `${def.environment} does not carry ${name}'s value`);
    }
    assert.equal(seen.env.VAULT_TOKEN, undefined);
    assert.equal(seen.env.AWS_SECRET_ACCESS_KEY, undefined);
    for (const value of Object.values(f.canaries)) {
      assert.ok(!seen.argv.some((a) => a.includes(value)), 'a value on the command line');
      assert.ok(!seen.files[wiringPath]!.includes(value), 'a value in the wiring file');
    }
    assert.ok(!existsSync(wiringPath), 'the wiring file outlived the run');
  });

  test('2.5: file secrets (no environment source before 2.6); output redacted', () => {
    const f = composeProject();
    const fake = fakePlugin('2.5.1');
    const env = { PATH: pathWith([DOCKER]), DOCKER_CONFIG: fake.config };
    const dry = runCli(['compose', '--env', 'dev', '--dry-run', '--', 'config'], { cwd: f.dir, env });
    assert.equal(dry.code, 0, dry.stderr);
    const defs = (parse(dry.stdout.split('\n').slice(1).join('\n')) as { secrets: Record<string, object> }).secrets;
    assert.ok(
      Object.values(defs).every((d) => 'file' in d && !('environment' in d)),
      dry.stdout,
    );
    const r = runCli(['compose', '--env', 'dev', '--', 'config'], {
      cwd: f.dir,
      env: { ...env, ENVPLANE_ECHO_VAR: 'ENVPLANE_NOTHING' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /3 secret\(s\) as files/);
    const seen = JSON.parse(readFileSync(fake.report, 'utf8')) as Report;
    const wiring = parse(Object.values(seen.files)[1]!) as { secrets: Record<string, { file?: string }> };
    assert.ok(Object.values(wiring.secrets).every((d) => d.file?.startsWith('./secrets/')));
  });

  test('the value a Compose process prints is redacted', () => {
    const f = composeProject();
    const fake = fakePlugin('2.29.1');
    const env = { PATH: pathWith([DOCKER]), DOCKER_CONFIG: fake.config };
    const dry = runCli(['compose', '--env', 'dev', '--dry-run', '--', 'up'], { cwd: f.dir, env });
    const variable = /db_password_[0-9a-f]{12}:\n\s+environment: (\S+)/.exec(dry.stdout)?.[1];
    assert.ok(variable, dry.stdout);
    const r = runCli(['compose', '--env', 'dev', '--', 'up'], {
      cwd: f.dir,
      env: { ...env, ENVPLANE_ECHO_VAR: variable },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /fake compose saw \[REDACTED:db_password\]/);
    assert.ok(!r.stdout.includes(f.canaries.db_password));
  });

  test('no Compose at all: exit 2, saying how to get v2', () => {
    const f = composeProject();
    const r = runCli(['compose', '--env', 'dev', '--', 'config'], {
      cwd: f.dir,
      env: { PATH: pathWith([DOCKER]), DOCKER_CONFIG: tempDir('envplane-empty-docker-') },
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Docker Compose is not installed/);
    assert.match(r.stderr, /docker-compose-plugin/);
  });
});
