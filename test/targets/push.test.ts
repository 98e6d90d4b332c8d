/**
 * `push --to swarm`: a fake `docker` first on PATH records every argv and stdin. Values go through stdin only,
 * names and sizes are checked before anything runs, and `--dry-run` runs nothing.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyExample, runCli, tempDir } from '../_helpers.ts';
import { bundlesOf, fillSecretFiles } from './_tools.ts';

const FAKE_DOCKER = `#!/bin/sh
n=$(ls "$DOCKER_LOG" | wc -l)
printf '%s\\n' "$@" > "$DOCKER_LOG/$n.argv"
cat > "$DOCKER_LOG/$n.stdin"
if [ -n "$DOCKER_ECHO_STDIN" ] && [ "$1 $2" = "secret create" ]; then
  printf 'rejected: ' >&2; cat "$DOCKER_LOG/$n.stdin" >&2; echo >&2
  exit 1
fi
if [ "$1 $2" = "secret inspect" ]; then
  grep -qx "$5" "$DOCKER_EXISTING" 2>/dev/null && exit 0
  echo "Error: No such secret: $5" >&2
  exit 1
fi
exit 0
`;

interface Call {
  argv: string[];
  stdin: string;
}

function fakeDocker(existing: string[] = []) {
  const bin = tempDir('envplane-fake-docker-');
  const log = join(bin, 'log');
  mkdirSync(log);
  writeFileSync(join(bin, 'docker'), FAKE_DOCKER);
  chmodSync(join(bin, 'docker'), 0o755);
  writeFileSync(join(bin, 'existing'), existing.map((e) => `${e}\n`).join(''));
  const env = { PATH: `${bin}:${process.env.PATH}`, DOCKER_LOG: log, DOCKER_EXISTING: join(bin, 'existing') };
  const calls = (): Call[] =>
    readdirSync(log)
      .filter((f) => f.endsWith('.argv'))
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
      .map((f) => ({
        argv: readFileSync(join(log, f), 'utf8').split('\n').slice(0, -1),
        stdin: readFileSync(join(log, f.replace('.argv', '.stdin')), 'utf8'),
      }));
  return { env, calls };
}

function fourPlanes() {
  const dir = copyExample('four-planes');
  const values = fillSecretFiles(dir, bundlesOf(dir, 'development'));
  return { dir, values };
}

describe('push --to swarm', () => {
  it('--dry-run prints the plan (names only) and runs nothing', () => {
    const { dir, values } = fourPlanes();
    const docker = fakeDocker();
    const r = runCli(
      ['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev', '--allow-shared-values', '--dry-run'],
      {
        cwd: dir,
        env: docker.env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /create Reactrine_postgres_password {2}← secrets\/postgres_password\.txt/);
    assert.match(r.stdout, /create Reactrine_aws_secret_access_key/);
    assert.doesNotMatch(r.stdout, /pip_extra_index_url/, 'build secrets are not Swarm secrets');
    assert.deepEqual(docker.calls(), []);
    for (const v of values.values()) assert.ok(!r.stdout.includes(v) && !r.stderr.includes(v));
    const json = JSON.parse(
      runCli(
        ['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev', '--allow-shared-values', '--dry-run', '--json'],
        {
          cwd: dir,
          env: docker.env,
        },
      ).stdout,
    );
    assert.equal(json.secrets.length, 5);
    assert.equal(json.secrets[0].action, 'create');
  });

  it('creates each secret with its value on stdin, never on argv, and audits the names', () => {
    const { dir, values } = fourPlanes();
    const docker = fakeDocker(['Reactrine_secret_key']);
    const r = runCli(
      ['push', '--to', 'swarm', '--env', 'production', '--from', 'development', '--allow-shared-values'],
      {
        cwd: dir,
        env: docker.env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const calls = docker.calls();
    const creates = calls.filter((c) => c.argv[1] === 'create');
    assert.deepEqual(creates.map((c) => c.argv.at(-2)).sort(), [
      'Reactrine_aws_access_key_id',
      'Reactrine_aws_secret_access_key',
      'Reactrine_openai_api_key',
      'Reactrine_postgres_password',
    ]);
    for (const c of creates) {
      assert.equal(c.argv.at(-1), '-');
      const key = c.argv.at(-2)!.replace('Reactrine_', '');
      assert.equal(c.stdin, values.get(`secrets/${key}.txt`));
    }
    for (const c of calls) for (const v of values.values()) assert.ok(!c.argv.join(' ').includes(v), 'a value on argv');
    for (const v of values.values()) assert.ok(!r.stdout.includes(v) && !r.stderr.includes(v));
    assert.match(r.stdout, /kept Reactrine_secret_key \(exists/);
    const audit = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8');
    assert.match(audit, /"action":"push"/);
    assert.match(audit, /Reactrine_postgres_password/);
    for (const v of values.values()) assert.ok(!audit.includes(v));

    const again = fakeDocker(['Reactrine_secret_key']);
    assert.equal(
      runCli(['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev', '--allow-shared-values', '--replace'], {
        cwd: dir,
        env: again.env,
      }).code,
      0,
    );
    const argvs = again.calls().map((c) => c.argv.slice(0, 2).join(' ') + ' ' + c.argv.at(-1));
    const rm = argvs.indexOf('secret rm Reactrine_secret_key');
    assert.ok(rm >= 0 && argvs[rm + 1] === 'secret create -', argvs.join('\n'));
  });

  it('per-tenant secrets get the store’s tenant names; values come from the layers that still hold them', () => {
    const dir = copyExample('service-scoped');
    const manifest = readFileSync(join(dir, 'envplane.yaml'), 'utf8').replace(
      '    secrets: { store: files, dir: secrets }\n',
      '    secrets: { store: files, dir: secrets }\n  production:\n    config: [.env.shared]\n    secrets: { store: external, prefix: Pulse_ }\n',
    );
    writeFileSync(join(dir, 'envplane.yaml'), manifest);
    const docker = fakeDocker();
    const r = runCli(
      ['push', '--to', 'swarm', '--env', 'production', '--from', 'development', '--allow-shared-values'],
      {
        cwd: dir,
        env: docker.env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const byName = new Map(
      docker
        .calls()
        .filter((c) => c.argv[1] === 'create')
        .map((c) => [c.argv.at(-2), c.stdin]),
    );
    assert.equal(byName.get('Pulse_wex_JIRA_TOKEN'), 'wex-jira-api-token');
    assert.equal(byName.get('Pulse_acme_GITHUB_TOKEN'), 'acme-github-api-token');
    assert.equal(byName.get('Pulse_POSTGRES_PASSWORD'), 'pulse');
    assert.equal(byName.size, 12);
    for (const c of docker.calls()) assert.ok(!c.argv.some((a) => a.includes('api-token')));
  });

  it('a `docker` that prints the value it was given when it fails: the error masks it', () => {
    const { dir, values } = fourPlanes();
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), 'first-line-of-a-key\nsecond-line-of-a-key\n');
    values.set('multi', 'first-line-of-a-key\nsecond-line-of-a-key');
    const docker = fakeDocker();
    const r = runCli(['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev', '--allow-shared-values'], {
      cwd: dir,
      env: { ...docker.env, DOCKER_ECHO_STDIN: '1' },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /docker secret create Reactrine_\w+ failed \(exit 1\): rejected: \[REDACTED\]/);
    for (const v of values.values())
      for (const part of [v, ...v.split('\n')])
        assert.ok(!`${r.stdout}${r.stderr}`.includes(part), 'a value was printed');
    assert.ok(
      docker.calls().some((c) => c.argv[1] === 'create'),
      'docker ran',
    );
  });

  it('checks names, sizes and missing values before running anything', () => {
    const { dir } = fourPlanes();
    const docker = fakeDocker();
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), 'x'.repeat(512_000));
    const big = runCli(['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev', '--allow-shared-values'], {
      cwd: dir,
      env: docker.env,
    });
    assert.equal(big.code, 2);
    assert.match(big.stderr, /Reactrine_openai_api_key is 512000 bytes; Swarm accepts 1 to 511999/);
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), '\n');
    const empty = runCli(['push', '--to', 'swarm', '--env', 'prod', '--from', 'dev', '--allow-shared-values'], {
      cwd: dir,
      env: docker.env,
    });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /missing values for required secrets: Reactrine_openai_api_key/);

    const long = readFileSync(join(dir, 'envplane.yaml'), 'utf8').replace(
      'prefix: Reactrine_',
      `prefix: ${'L'.repeat(60)}_`,
    );
    writeFileSync(join(dir, 'envplane.yaml'), long);
    const named = runCli(['push', '--to', 'swarm', '--env', 'prod', '--from-dir', 'secrets'], {
      cwd: dir,
      env: docker.env,
    });
    assert.equal(named.code, 2);
    assert.match(named.stderr, /is not a valid Swarm secret name/);
    assert.deepEqual(docker.calls(), [], 'docker never ran');

    assert.equal(
      runCli(['push', '--to', 'swarm', '--env', 'dev', '--from', 'dev'], { cwd: dir, env: docker.env }).code,
      2,
    );
    assert.equal(runCli(['push', '--to', 'swarm', '--env', 'prod'], { cwd: dir, env: docker.env }).code, 2);
    assert.equal(
      runCli(['push', '--to', 'k8s', '--env', 'prod', '--from', 'dev', '--allow-shared-values'], {
        cwd: dir,
        env: docker.env,
      }).code,
      2,
    );
    assert.ok(!existsSync(join(dir, '.envplane', 'audit.log')));
  });
});
