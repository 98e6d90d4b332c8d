/**
 * Canary values in every place a secret can sit — the files store (including the store files of secrets that a
 * layer still holds) and, in the second seed, the config layer lines that hold secrets — pushed through every
 * target, in every environment of both examples, with --debug, --json and --check: they never appear in stdout,
 * stderr or any file the runs write, except base64-encoded in a Kubernetes Secret written 0600, which carries exactly
 * the values the instances read. Every rendered Compose and stack file is then read by the real docker-compose.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { listInstances } from '../../src/resolve/instances.ts';
import { storeLocation } from '../../src/resolve/secrets.ts';
import { count } from '../_counts.ts';
import { copyExample, hashTree, runCli } from '../_helpers.ts';
import { assertComposeSpec, assertNoCanary, composeConfig } from './_tools.ts';

type Example = 'four-planes' | 'service-scoped';

interface Planted {
  /** Every canary planted. */
  all: string[];
  /** The values instances read at run time (a layer line that holds a secret wins over the store file). */
  read: Set<string>;
  /** How many were planted in layer lines and in store files. */
  inLayers: number;
  inStore: number;
}

const base64 = (v: string) => Buffer.from(v).toString('base64');

/**
 * Replaces the value of every layer line that holds a secret with a canary, and writes a canary into the store file
 * of every secret and build secret, whether or not a layer shadows it.
 */
function plantCanaries(dir: string): Planted {
  const project = loadProject({ dir, lookup: {} });
  const manifest = project.manifest;
  const byLocation = new Map<string, string>();
  const read = new Set<string>();
  const canary = (where: string) => {
    let value = byLocation.get(where);
    if (value === undefined) {
      // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
      value = `CANARY${randomBytes(9).toString('hex')}`;
      byLocation.set(where, value);
    }
    return value;
  };
  const layerLines = new Map<string, Map<number, { key: string; value: string }>>();
  const storeFiles = new Map<string, string>();
  for (const environment of manifest.environments)
    for (const instance of listInstances(manifest)) {
      const bundle = resolveBundle(manifest, project.layers, environment, instance);
      for (const ref of bundle.secrets) {
        const store = storeLocation(environment, manifest.keys[ref.name]!, ref.tenant);
        if (store.kind === 'file') storeFiles.set(store.path, canary(`file:${store.path}`));
        if (ref.location.kind === 'layer') {
          const { file, line } = ref.location;
          const value = canary(`layer:${file}:${line}`);
          if (!layerLines.has(file)) layerLines.set(file, new Map());
          layerLines.get(file)!.set(line, { key: ref.name, value });
          read.add(value);
        } else if (ref.location.kind === 'file') read.add(canary(`file:${ref.location.path}`));
      }
      for (const ref of bundle.build)
        if (ref.location.kind === 'file') storeFiles.set(ref.location.path, canary(`file:${ref.location.path}`));
    }
  for (const [file, lines] of layerLines) {
    const text = readFileSync(join(dir, file), 'utf8').split('\n');
    for (const [line, { key, value }] of lines) {
      assert.ok(text[line - 1]?.startsWith(`${key}=`), `${file}:${line} sets ${key}`);
      text[line - 1] = `${key}=${value}`;
    }
    writeFileSync(join(dir, file), text.join('\n'));
  }
  for (const [path, value] of storeFiles) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${value}\n`, { mode: 0o600 });
  }
  const inLayers = [...layerLines.values()].reduce((n, lines) => n + lines.size, 0);
  return { all: [...byLocation.values()], read, inLayers, inStore: storeFiles.size };
}

/**
 * The base Compose file each override is merged with. docker-compose 1.29 rejects `build.secrets`, which the first
 * seed's file uses: it is taken out of the copy (Compose v2 reads it as is). The second seed has no Compose file of
 * its own: a minimal one names the images of the services that run once.
 */
function baseComposeFiles(dir: string, example: Example): Record<string, string> {
  if (example === 'four-planes') {
    const file = join(dir, 'docker-compose.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n {6}secrets:\n {8}- pip_extra_index_url/g, ''));
    return { development: 'docker-compose.yml', production: 'docker-compose.prod.yml' };
  }
  writeFileSync(
    join(dir, 'compose.yaml'),
    'services:\n  backend:\n    image: pulse/backend\n  frontend:\n    image: pulse/frontend\n',
  );
  return { development: 'compose.yaml' };
}

/** Every target for one environment; `code` is what the plain run (no extra flag) must exit with. */
function runsFor(env: string): { args: string[]; code: number }[] {
  return [
    { args: ['compose', '--env', env, '-o', `compose.${env}.envplane.yml`], code: 0 },
    { args: ['compose', '--env', env, '--mode', 'standalone'], code: 0 },
    { args: ['compose', '--env', env, '--mode', 'standalone', '--build', '-o', `compose.${env}.build.yml`], code: 0 },
    { args: ['swarm', '--env', env], code: 0 },
    // A files store: the Secret carries values, written 0600. An external store: envplane holds no values.
    { args: ['k8s', '--env', env, '-o', `k8s.${env}.yaml`], code: env === 'production' ? 2 : 0 },
    { args: ['k8s', '--env', env, '--external-secrets'], code: 0 },
    { args: ['k8s', '--env', env], code: 2 }, // refused: values are never printed without --reveal
    { args: ['ecs', '--env', env, '--region', 'eu-west-1', '--account', '123456789012'], code: 0 },
    {
      args: ['ecs', '--env', env, '--arn-template', 'arn:aws:ssm:eu-west-1:123456789012:parameter/p/{secret}'],
      code: 0,
    },
    { args: ['ecs', '--env', env, '--arn-template', 'arn:aws:secretsmanager:x:y:secret:{name}'], code: 2 }, // not an ARN
    { args: ['buildkit', '--env', env], code: 0 },
    { args: ['ci', 'github', '--env', env, '-o', `.github/workflows/envplane-${env}.yml`], code: 0 },
    { args: ['ci', 'gitlab', '--env', env, '-o', `.gitlab-ci.${env}.yml`], code: 0 },
  ];
}

describe('canary values through every target', () => {
  for (const example of ['four-planes', 'service-scoped'] as const)
    it(`${example}: never reach stdout, stderr or a written file, in every environment; Compose reads every file`, () => {
      const dir = copyExample(example);
      const planted = plantCanaries(dir);
      if (example === 'service-scoped') {
        // The second seed's secrets all still sit in env files: 12 layer lines (one shared password, two backend
        // keys, three per tenant), and a store file for each of them that no instance reads.
        assert.equal(planted.inLayers, 12);
        assert.equal(planted.inStore, 12);
        assert.equal(planted.read.size, 12);
      } else {
        assert.equal(planted.inLayers, 0);
        assert.ok(planted.inStore >= 5, `${planted.inStore} store files`);
      }
      const bases = baseComposeFiles(dir, example);
      const before = hashTree(dir);
      const environments = Object.keys(bases);
      for (const env of environments)
        for (const run of runsFor(env))
          for (const extra of [[], ['--debug'], ['--json'], ['--check']]) {
            const args = ['render', ...run.args, ...extra];
            const r = runCli(args, { cwd: dir });
            const label = `${example}: ${args.join(' ')}`;
            if (extra.length === 0) assert.equal(r.code, run.code, `${label}: exit ${r.code}\n${r.stderr}`);
            const out = r.stdout + r.stderr;
            const hit = planted.all.some((v) => out.includes(v) || out.includes(base64(v)));
            count('canary', 1, hit ? 1 : 0, 'render');
            assertNoCanary(out, planted.all, label);
            assertNoCanary(out, planted.all.map(base64), `${label} (base64)`);
          }

      // Every file the runs wrote or changed (rendered files, the audit log): no value, not even base64-encoded —
      // apart from the Kubernetes Secret, which holds base64 of exactly the values the instances read.
      const after = hashTree(dir);
      const written = Object.keys(after).filter((p) => !p.endsWith('/') && after[p] !== before[p]);
      assert.ok(written.includes('.envplane/audit.log'), `audit log written: ${written.join(', ')}`);
      for (const path of written) {
        const text = readFileSync(join(dir, path), 'utf8');
        assertNoCanary(text, planted.all, path);
        if (path.startsWith('k8s.')) continue;
        assertNoCanary(text, planted.all.map(base64), `${path} (base64)`);
      }
      const k8s = readFileSync(join(dir, 'k8s.development.yaml'), 'utf8');
      assert.equal(statSync(join(dir, 'k8s.development.yaml')).mode & 0o777, 0o600);
      for (const value of planted.all)
        assert.equal(
          k8s.includes(base64(value)),
          planted.read.has(value),
          planted.read.has(value) ? 'the Secret carries a value an instance reads' : 'a shadowed store file is read',
        );

      for (const env of environments) {
        for (const file of [`compose.${env}.yml`, `compose.${env}.envplane.yml`, `compose.${env}.build.yml`])
          assertComposeSpec(parse(readFileSync(join(dir, file), 'utf8')), `${example} ${file}`);
        // `--build` adds build.secrets, which docker-compose 1.29 refuses; the schema above checks that file.
        const standalone = composeConfig(dir, [`compose.${env}.yml`]);
        const stack = composeConfig(dir, [`stack.${env}.yml`]);
        const merged = composeConfig(dir, [bases[env]!, `compose.${env}.envplane.yml`]);
        for (const [name, { text }] of Object.entries({ standalone, stack, merged })) {
          assertNoCanary(text, planted.all, `docker-compose config (${name}, ${env})`);
          assertNoCanary(text, planted.all.map(base64), `docker-compose config (${name}, ${env}, base64)`);
        }
        const instances = listInstances(loadProject({ dir, lookup: {} }).manifest).map((i) => i.slug);
        for (const config of [standalone.config, stack.config])
          assert.deepEqual(Object.keys(config.services).sort(), [...instances].sort(), `${example} ${env}`);
        for (const slug of instances) {
          const service = merged.config.services[slug];
          assert.ok(service?.image ?? service?.build, `${example} ${env}: ${slug} has an image or a build`);
        }
      }
    });

  it('failures name keys and files, never values', () => {
    const dir = copyExample('four-planes');
    const canaries = plantCanaries(dir).all;
    writeFileSync(join(dir, 'secrets', 'secret_key.txt'), `${'z'.repeat(1_100_000)}${canaries[0]}`);
    const big = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', '--debug'], { cwd: dir });
    assert.equal(big.code, 2);
    assert.match(big.stderr, /reactrine-backend-secrets would hold \d+ bytes/);
    assertNoCanary(big.stdout + big.stderr, canaries, 'size error');
    const manifest = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    writeFileSync(join(dir, 'envplane.yaml'), manifest.replace('project: reactrine', 'project: Bad_Name!'));
    const name = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', '--debug'], { cwd: dir });
    assert.equal(name.code, 2);
    assertNoCanary(name.stdout + name.stderr, canaries, 'name error');
  });

  it('service-scoped: a secret too large for a Secret, still in a layer, is named by key and file, never printed', () => {
    const dir = copyExample('service-scoped');
    const canaries = plantCanaries(dir).all;
    const file = join(dir, '.env.etl.wex');
    const huge = `${canaries[0]}${'z'.repeat(1_100_000)}`;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^JIRA_TOKEN=.*$/m, `JIRA_TOKEN=${huge}`));
    for (const extra of [[], ['--debug'], ['--json']]) {
      const r = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', ...extra], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /pulse-etl-wex-secrets would hold \d+ bytes/);
      assertNoCanary(r.stdout + r.stderr, [...canaries, 'z'.repeat(64)], `size error ${extra.join(' ')}`);
    }
  });
});
