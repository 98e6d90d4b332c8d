/** ECS fragments (ARNs checked against the shapes ECS accepts), BuildKit wiring and CI files: never a value. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { EnvplaneError } from '../../src/errors.ts';
import { checkValueFrom } from '../../src/targets/_arn.ts';
import { copyExample, runCli } from '../_helpers.ts';
import { bundlesOf, fillSecretFiles } from './_tools.ts';

const AWS = ['--region', 'eu-west-1', '--account', '123456789012'];

interface Container {
  name: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
}

function ecs(dir: string, args: string[]): Container[] {
  const r = runCli(['render', 'ecs', ...args], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).containerDefinitions;
}

describe('render ecs', () => {
  it('environment holds config only; secrets are valueFrom ARNs of the store names', () => {
    const dir = copyExample('four-planes');
    const [backend] = ecs(dir, ['--env', 'prod', ...AWS]);
    const bundle = bundlesOf(dir, 'production').find((b) => b.instance.slug === 'backend')!;
    assert.deepEqual(
      backend!.environment,
      bundle.config.filter((c) => c.value !== undefined).map((c) => ({ name: c.key, value: c.value })),
    );
    assert.deepEqual(backend!.secrets[0], {
      name: 'POSTGRES_PASSWORD',
      valueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Reactrine_postgres_password',
    });
    assert.equal(backend!.secrets.length, 5);
  });

  it('accepts json-key/version forms and SSM, refuses other shapes and a missing --region', () => {
    const dir = copyExample('four-planes');
    const jsonKey = ecs(dir, [
      '--env',
      'prod',
      ...AWS,
      '--arn-template',
      'arn:aws:secretsmanager:{region}:{account}:secret:{prefix}all:{name}:AWSCURRENT:',
    ]);
    assert.equal(
      jsonKey[0]!.secrets[0]!.valueFrom,
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Reactrine_all:postgres_password:AWSCURRENT:',
    );
    const ssm = ecs(dir, ['--env', 'prod', '--arn-template', '/reactrine/prod/{name}']);
    assert.equal(ssm[0]!.secrets[0]!.valueFrom, '/reactrine/prod/postgres_password');
    const ssmArn = ecs(dir, [
      '--env',
      'prod',
      ...AWS,
      '--arn-template',
      'arn:aws:ssm:{region}:{account}:parameter/{secret}',
    ]);
    assert.equal(
      ssmArn[0]!.secrets[0]!.valueFrom,
      'arn:aws:ssm:eu-west-1:123456789012:parameter/Reactrine_postgres_password',
    );
    for (const bad of [
      'arn:aws:secretsmanager:{region}:{account}:secret:{secret}:k',
      'arn:aws:secretsmanager:{region}:{account}:secret:{secret}:a:b:c:d',
      'arn:aws:s3:::bucket/{name}',
      'has space {name}',
    ]) {
      const r = runCli(['render', 'ecs', '--env', 'prod', ...AWS, '--arn-template', bad], { cwd: dir });
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /not an ARN or parameter name ECS accepts/);
    }
    const noRegion = runCli(['render', 'ecs', '--env', 'prod'], { cwd: dir });
    assert.equal(noRegion.code, 2);
    assert.match(noRegion.stderr, /needs --region/);
    assert.throws(() => checkValueFrom('arn:aws:secretsmanager:eu-west-1:12345:secret:x', 'x'), EnvplaneError);
    checkValueFrom('arn:aws:secretsmanager:us-gov-west-1:123456789012:secret:a/b_c+=.@-', 'x');
  });

  it('per-tenant secrets point at each tenant’s own secret, and no value is printed', () => {
    const dir = copyExample('service-scoped');
    const containers = ecs(dir, [
      '--env',
      'dev',
      ...AWS,
      '--arn-template',
      'arn:aws:secretsmanager:{region}:{account}:secret:pulse/{tenant}/{name}',
    ]);
    const wex = containers.find((c) => c.name === 'etl-wex')!;
    assert.ok(wex.secrets.some((s) => s.name === 'JIRA_TOKEN' && s.valueFrom.endsWith(':secret:pulse/wex/JIRA_TOKEN')));
    assert.ok(!wex.secrets.some((s) => /techcorp|acme/.test(s.valueFrom)));
    const text = JSON.stringify(containers);
    for (const leaked of ['wex-jira-api-token', 'backend-jwt-secret', 'wex-etl-encryption-key'])
      assert.ok(!text.includes(leaked));
  });

  it('a config key named like a secret’s variable is refused (ECS keeps one of the two), naming both, nothing written', () => {
    const dir = copyExample('four-planes');
    const manifest = join(dir, 'envplane.yaml');
    const text = readFileSync(manifest, 'utf8')
      .replace('\nkeys:\n', '\nkeys:\n  SECRET_KEY: { plane: config, default: x }\n')
      .replace('uses: [POSTGRES_SERVER,', 'uses: [SECRET_KEY, POSTGRES_SERVER,');
    writeFileSync(manifest, text);
    const r = runCli(['render', 'ecs', '--env', 'prod', ...AWS, '-o', 'ecs.json'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /config key SECRET_KEY and secret secret_key would both be the container's variable SECRET_KEY/,
    );
    assert.match(r.stderr, /hint: .*fileEnv/);
    assert.ok(!existsSync(join(dir, 'ecs.json')));
  });

  it('a template that would give two secrets, or two tenants’ copies, one valueFrom is refused, nothing written', () => {
    const dir = copyExample('service-scoped');
    for (const [template, message] of [
      [
        'arn:aws:secretsmanager:{region}:{account}:secret:pulse/{name}',
        /gives (\w+)@wex and \1@techcorp the same valueFrom/,
      ],
      ['/pulse/shared', /gives \w+ and \w+ the same valueFrom/],
    ] as const) {
      const r = runCli(['render', 'ecs', '--env', 'dev', ...AWS, '--arn-template', template, '-o', 'ecs.json'], {
        cwd: dir,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /\{secret\}|\{tenant\}/);
      assert.ok(!existsSync(join(dir, 'ecs.json')));
    }
  });

  it('the external store’s arn: in envplane.yaml is the template; --arn-template overrides it; its errors point at its line', () => {
    const dir = copyExample('four-planes');
    const manifest = join(dir, 'envplane.yaml');
    const original = readFileSync(manifest, 'utf8');
    const withArn = (arn: string) => {
      const text = original.replace(
        '    secrets: { store: external, prefix: Reactrine_ }',
        `    secrets: { store: external, prefix: Reactrine_, arn: "${arn}" }`,
      );
      assert.notEqual(text, original, 'the example’s production store line moved');
      writeFileSync(manifest, text);
      return text.split('\n').findIndex((l) => l.includes('arn: ')) + 1;
    };
    withArn('arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/{secret}');
    const [backend] = ecs(dir, ['--env', 'prod']);
    const password = backend!.secrets.find(
      (s) => s.name === 'POSTGRES_PASSWORD_FILE' || s.name === 'POSTGRES_PASSWORD',
    );
    assert.equal(
      password?.valueFrom,
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/Reactrine_postgres_password',
    );
    const [overridden] = ecs(dir, ['--env', 'prod', '--arn-template', '/reactrine/{name}']);
    assert.ok(overridden!.secrets.every((s) => s.valueFrom.startsWith('/reactrine/')));
    // A template the manifest gives: the error names envplane.yaml and the line of arn:, and writes nothing.
    for (const [arn, message] of [
      ['arn:aws:secretsmanager:{region}:123456789012:secret:{secret}', /needs --region/],
      ['not an arn {secret}', /is not an ARN or parameter name ECS accepts/],
    ] as const) {
      const line = withArn(arn);
      const r = runCli(['render', 'ecs', '--env', 'prod', '-o', 'ecs.json'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^error: envplane\\.yaml:${line}:\\d+: `));
      assert.match(r.stderr, message);
      assert.ok(!existsSync(join(dir, 'ecs.json')));
    }
    // The files store has no ARNs: arn: there is a located schema error.
    writeFileSync(manifest, original.replace('secrets: { store: files', 'secrets: { store: files, arn: "x"'));
    const files = runCli(['render', 'ecs', '--env', 'prod', ...AWS], { cwd: dir });
    assert.equal(files.code, 2);
    assert.match(files.stderr, /envplane\.yaml:\d+:\d+: .*arn/);
  });

  it('--service (and --tenant) render only the containers named', () => {
    const dir = copyExample('service-scoped');
    const names = (args: string[]) => ecs(dir, ['--env', 'dev', ...AWS, ...args]).map((c) => c.name);
    assert.deepEqual(names(['--service', 'backend']), ['backend']);
    assert.deepEqual(names(['--service', 'etl']).sort(), ['etl-acme', 'etl-techcorp', 'etl-wex']);
    assert.deepEqual(names(['--service', 'etl', '--tenant', 'techcorp']), ['etl-techcorp']);
  });
});

describe('render buildkit', () => {
  it('prints the syntax line, RUN mounts and docker build --secret arguments, never a value', () => {
    const dir = copyExample('four-planes');
    const canaries = fillSecretFiles(dir, bundlesOf(dir, 'development'));
    const dev = runCli(['render', 'buildkit', '--env', 'dev'], { cwd: dir });
    assert.equal(dev.code, 0, dev.stderr);
    assert.match(dev.stdout, /^# syntax=docker\/dockerfile:1\.7$/m);
    assert.match(dev.stdout, /^RUN --mount=type=secret,id=pip_extra_index_url,required=false /m);
    assert.match(
      dev.stdout,
      /docker build --secret id=pip_extra_index_url,src=secrets\/pip_extra_index_url\.txt -t reactrine\/backend:latest \.\/services\/backend/,
    );
    // The example's own Dockerfile mounts the same id the same way.
    const dockerfile = readFileSync(join(dir, 'services/backend/Dockerfile'), 'utf8');
    assert.ok(dockerfile.includes('RUN --mount=type=secret,id=pip_extra_index_url,required=false'));
    assert.ok(dockerfile.startsWith('# syntax=docker/dockerfile:1.7'));
    for (const v of canaries.values()) assert.ok(!dev.stdout.includes(v));
    const prod = runCli(['render', 'buildkit', '--env', 'prod'], { cwd: dir });
    assert.match(prod.stdout, /--secret id=pip_extra_index_url,env=PIP_EXTRA_INDEX_URL/);
    assert.doesNotMatch(prod.stdout, /src=/);
  });

  it('--service keeps one service’s builds', () => {
    const dir = copyExample('four-planes');
    const backend = runCli(['render', 'buildkit', '--env', 'dev', '--service', 'backend'], { cwd: dir });
    assert.equal(backend.code, 0, backend.stderr);
    assert.match(backend.stdout, /docker build .*reactrine\/backend/);
    // The frontend declares no build secret: nothing of the backend's build is printed for it.
    const frontend = runCli(['render', 'buildkit', '--env', 'dev', '--service', 'frontend'], { cwd: dir });
    assert.equal(frontend.code, 0, frontend.stderr);
    assert.doesNotMatch(frontend.stdout, /docker build|pip_extra_index_url/);
    assert.match(frontend.stdout, /^# No build secrets in development for frontend\.$/m);
    // The header names the command that regenerates exactly this output.
    assert.match(
      frontend.stdout,
      /^# Generated by envplane: envplane render buildkit --env development --service frontend$/m,
    );
  });
});

describe('render ci', () => {
  it('github: a gate job and BuildKit builds fed from the repository secret store', () => {
    const dir = copyExample('four-planes');
    const r = runCli(['render', 'ci', 'github', '--env', 'prod'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/envplane.yml'), 'utf8'));
    const gate = workflow.jobs['envplane-gate'].steps.map((s: { run?: string }) => s.run).filter(Boolean);
    assert.ok(gate.includes('npx envplane check'));
    assert.ok(gate.includes('npx envplane render compose --env production --mode standalone --check'));
    const build = workflow.jobs['build-backend'];
    assert.equal(build.needs, 'envplane-gate');
    assert.equal(build.steps[1].env.PIP_EXTRA_INDEX_URL, '${{ secrets.PIP_EXTRA_INDEX_URL }}');
    assert.equal(
      build.steps[1].run,
      'docker build --secret id=pip_extra_index_url,env=PIP_EXTRA_INDEX_URL -t reactrine/backend:latest ./services/backend',
    );
    assert.ok(workflow.on.push !== undefined, '`on` stays a string key, not YAML 1.1 true');
    assert.equal(runCli(['render', 'ci', 'github', '--env', 'prod', '--check'], { cwd: dir }).code, 0);
  });

  it('gitlab: the same gate and builds, variables from CI/CD settings', () => {
    const dir = copyExample('four-planes');
    assert.equal(runCli(['render', 'ci', 'gitlab', '--env', 'prod'], { cwd: dir }).code, 0);
    const ci = parse(readFileSync(join(dir, '.gitlab-ci.envplane.yml'), 'utf8'));
    assert.deepEqual(ci['envplane-gate'].script, [
      'npm ci',
      'npx envplane check',
      'npx envplane render compose --env production --mode standalone --check',
    ]);
    assert.deepEqual(ci['build-worker'].script, [
      'docker build --secret id=pip_extra_index_url,env=PIP_EXTRA_INDEX_URL -t reactrine/worker:latest ./services/worker',
    ]);
    assert.equal(runCli(['render', 'ci', 'circle', '--env', 'prod'], { cwd: dir }).code, 2);
    assert.equal(runCli(['render', 'nope', '--env', 'prod'], { cwd: dir }).code, 2);
  });
});
