/**
 * Kubernetes: Secret `data` equals what `kubectl create secret generic --from-file` produces (kubectl runs its
 * generators offline); names, keys and sizes are checked by envplane with located errors; values never reach a
 * terminal without --reveal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { EnvplaneError } from '../../src/errors.ts';
import { loadProject } from '../../src/project/load.ts';
import { findEnvironment } from '../../src/resolve/instances.ts';
import { secretSource } from '../../src/targets/_compose.ts';
import { renderK8s } from '../../src/targets/k8s.ts';
import { CLI, copyExample, hashTree, runCli, tempDir } from '../_helpers.ts';
import { bundlesOf, fillSecretFiles } from './_tools.ts';

const KUBECTL = '/usr/bin/kubectl';

interface K8sDoc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: unknown;
  spec?: unknown;
}

function docs(text: string): K8sDoc[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as K8sDoc | null)
    .filter((d): d is K8sDoc => d !== null);
}

function kubectlData(name: string, files: Record<string, string>): Record<string, string> {
  assert.ok(existsSync(KUBECTL), `${KUBECTL} is required`);
  const args = ['create', 'secret', 'generic', name, ...Object.entries(files).map(([k, p]) => `--from-file=${k}=${p}`)];
  const r = spawnSync(KUBECTL, [...args, '--dry-run=client', '-o', 'yaml'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `kubectl failed: ${r.stderr}`);
  return (docs(r.stdout)[0]?.data ?? {}) as Record<string, string>;
}

describe('render k8s', () => {
  for (const example of ['four-planes', 'service-scoped'] as const)
    it(`${example}: Secret data equals kubectl's for the same values; ConfigMap holds only declared config`, () => {
      const dir = copyExample(example);
      const bundles = bundlesOf(dir, 'development');
      const canaries = fillSecretFiles(dir, bundles);
      const r = runCli(['render', 'k8s', '--env', 'development', '-o', 'k8s.yaml'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      for (const v of canaries.values()) assert.ok(!r.stdout.includes(v) && !r.stderr.includes(v));
      assert.equal(statSync(join(dir, 'k8s.yaml')).mode & 0o777, 0o600);
      const audit = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8');
      assert.match(audit, /"command":"render k8s","action":"read"/);
      for (const v of canaries.values()) assert.ok(!audit.includes(v));
      const rendered = docs(readFileSync(join(dir, 'k8s.yaml'), 'utf8'));
      const tmp = tempDir();
      for (const bundle of bundles) {
        const slug = bundle.instance.slug;
        const config = rendered.find(
          (d) =>
            d.kind === 'ConfigMap' &&
            d.metadata.name === `${example === 'four-planes' ? 'reactrine' : 'pulse'}-${slug}-config`,
        );
        assert.ok(config, `ConfigMap of ${slug}`);
        assert.deepEqual(
          Object.keys(config.data ?? {}).sort(),
          bundle.config
            .filter((c) => c.value !== undefined)
            .map((c) => c.key)
            .sort(),
        );
        if (bundle.secrets.length === 0) continue;
        const secret = rendered.find((d) => d.kind === 'Secret' && d.metadata.name.endsWith(`-${slug}-secrets`))!;
        assert.equal(secret.stringData, undefined);
        const files: Record<string, string> = {};
        for (const s of bundle.secrets) {
          const location = s.location;
          if (location.kind === 'file') files[s.name] = join(dir, location.path);
          else if (location.kind === 'layer') {
            const entry = loadProject({ dir, lookup: {} }).layers[location.file]?.find((e) => e.line === location.line);
            const path = join(tmp, `${secretSource(s)}`);
            writeFileSync(path, entry!.value);
            files[s.name] = path;
          }
        }
        const expected = kubectlData(secret.metadata.name, files);
        // envplane drops the one trailing newline `echo value > file` leaves; kubectl keeps file bytes as they are.
        for (const [k, v] of Object.entries(expected))
          assert.equal(
            Buffer.from(secret.data?.[k] ?? '', 'base64').toString(),
            Buffer.from(v, 'base64').toString().replace(/\n$/, ''),
            `${slug} ${k}`,
          );
        assert.deepEqual(Object.keys(secret.data ?? {}).sort(), Object.keys(expected).sort());
      }
      const etl = rendered.filter((d) => d.metadata.name === 'pulse-etl-wex-secrets')[0];
      if (example === 'service-scoped')
        assert.deepEqual(Object.keys(etl?.data ?? {}).sort(), [
          'ENCRYPTION_KEY',
          'GITHUB_TOKEN',
          'JIRA_TOKEN',
          'POSTGRES_PASSWORD',
        ]);
    });

  it('never prints values without --reveal; says what to do for an external store', () => {
    const dir = copyExample('four-planes');
    const canaries = fillSecretFiles(dir, bundlesOf(dir, 'development'));
    const plain = runCli(['render', 'k8s', '--env', 'dev'], { cwd: dir });
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /secret values and is not written to standard output \(a pipe here\)/);
    assert.equal(plain.stdout, '');
    const revealed = runCli(['render', 'k8s', '--env', 'dev', '--reveal'], { cwd: dir });
    assert.equal(revealed.code, 0);
    assert.ok([...canaries.values()].some((v) => revealed.stdout.includes(Buffer.from(v).toString('base64'))));
    const prod = runCli(['render', 'k8s', '--env', 'prod'], { cwd: dir });
    assert.equal(prod.code, 2);
    assert.match(prod.stderr, /external store.*--external-secrets/s);
  });

  it('the refusal names where stdout goes: a file (`> file`), or a terminal', () => {
    const dir = copyExample('four-planes');
    fillSecretFiles(dir, bundlesOf(dir, 'development'));
    const out = join(dir, 'out.yaml');
    const fd = openSync(out, 'w');
    const toFile = spawnSync(process.execPath, [CLI, 'render', 'k8s', '--env', 'dev'], {
      cwd: dir,
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    closeSync(fd);
    assert.equal(toFile.status, 2);
    assert.match(toFile.stderr, /not written to standard output \(a file here, which the shell created with its umask/);
    assert.doesNotMatch(toFile.stderr, /terminal/);
    assert.equal(readFileSync(out, 'utf8'), '');
    // util-linux `script` gives the command a real terminal.
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} render k8s --env dev`;
    const tty = spawnSync('script', ['-qec', cli, '/dev/null'], { cwd: dir, encoding: 'utf8', input: '' });
    assert.match(tty.stdout, /secret values and is not printed to a terminal/);
  });

  it('--external-secrets renders ExternalSecret objects without values', () => {
    const dir = copyExample('four-planes');
    const r = runCli(
      [
        'render',
        'k8s',
        '--env',
        'prod',
        '--external-secrets',
        '--store-name',
        'aws',
        '--store-kind',
        'ClusterSecretStore',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const external = docs(r.stdout).find(
      (d) => d.kind === 'ExternalSecret' && d.metadata.name === 'reactrine-backend-secrets',
    );
    assert.ok(external, 'an ExternalSecret for backend');
    const spec = external.spec as {
      secretStoreRef: unknown;
      data: { secretKey: string; remoteRef: { key: string } }[];
    };
    assert.deepEqual(spec.secretStoreRef, {
      name: 'aws',
      kind: 'ClusterSecretStore',
    });
    assert.deepEqual(spec.data[0], {
      secretKey: 'postgres_password',
      remoteRef: { key: 'Reactrine_postgres_password' },
    });
    assert.ok(!docs(r.stdout).some((d) => d.kind === 'Secret'));
    assert.equal(
      runCli(['render', 'k8s', '--env', 'prod', '--external-secrets', '--store-kind', 'Vault'], { cwd: dir }).code,
      2,
    );
  });

  it('--service renders one service and reads only its secrets; --tenant narrows to one instance', () => {
    const dir = copyExample('service-scoped');
    const bundles = bundlesOf(dir, 'development');
    const canaries = fillSecretFiles(dir, bundles);
    const r = runCli(['render', 'k8s', '--env', 'dev', '--service', 'etl', '--tenant', 'wex', '-o', 'wex.yaml'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const names = docs(readFileSync(join(dir, 'wex.yaml'), 'utf8')).map((d) => `${d.kind} ${d.metadata.name}`);
    assert.deepEqual(names.sort(), [
      'ConfigMap pulse-etl-wex-config',
      'Deployment pulse-etl-wex-app',
      'Secret pulse-etl-wex-secrets',
    ]);
    // The audit line names exactly the secrets etl@wex receives: nobody else's were read.
    const wex = bundles.find((b) => b.instance.id === 'etl@wex')!;
    const read = readFileSync(join(dir, '.envplane', 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { command: string; secrets?: string[] })
      .filter((l) => l.command === 'render k8s');
    assert.equal(read.length, 1);
    assert.deepEqual(read[0]!.secrets!.sort(), wex.secrets.map((s) => secretSource(s)).sort());
    for (const v of canaries.values()) assert.ok(!r.stdout.includes(v) && !r.stderr.includes(v));
    // Without --tenant: each of the service's tenants, and no other service.
    const all = runCli(['render', 'k8s', '--env', 'dev', '--service', 'etl', '--external-secrets'], { cwd: dir });
    assert.equal(all.code, 0, all.stderr);
    const configMaps = docs(all.stdout)
      .filter((d) => d.kind === 'ConfigMap')
      .map((d) => d.metadata.name);
    assert.deepEqual(configMaps.sort(), ['pulse-etl-acme-config', 'pulse-etl-techcorp-config', 'pulse-etl-wex-config']);
  });

  it('--service and --tenant are checked: unknown names, a tenant alone, targets that describe the whole project', () => {
    const dir = copyExample('service-scoped');
    const cases: Array<[string[], RegExp]> = [
      [['k8s', '--service', 'etll'], /unknown service "etll"[\s\S]*etl/],
      [['k8s', '--service', 'etl', '--tenant', 'wexx'], /does not run for tenant "wexx"[\s\S]*wex/],
      [['k8s', '--service', 'backend', '--tenant', 'wex'], /not per tenant/],
      [['ecs', '--tenant', 'wex'], /--tenant narrows a service/],
      [['compose', '--service', 'backend'], /render compose describes the whole project/],
      [['swarm', '--service', 'backend'], /render swarm describes the whole project/],
      [['ci', 'github', '--service', 'backend'], /render ci describes the whole project/],
    ];
    for (const [args, message] of cases) {
      const before = hashTree(dir);
      const r = runCli(['render', ...args, '--env', 'dev', '--external-secrets'], { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.deepEqual(hashTree(dir), before, `${args.join(' ')} wrote something`);
    }
  });

  it('refuses invalid names, keys and sizes with located errors', () => {
    const dir = copyExample('four-planes');
    const project = loadProject({ dir, lookup: {} });
    const environment = findEnvironment(project.manifest, 'development');
    const bundles = bundlesOf(dir, 'development');
    const base = {
      manifest: project.manifest,
      environment,
      bundles,
      image: 'x',
      command: 'test',
      values: new Map<string, string>(),
    };
    const fails = (options: Parameters<typeof renderK8s>[0], pattern: RegExp) =>
      assert.throws(
        () => renderK8s(options),
        (e: unknown) => e instanceof EnvplaneError && pattern.test(e.message) && e.location?.file === 'envplane.yaml',
      );
    fails({ ...base, manifest: { ...project.manifest, project: 'Bad Name!' } }, /not a valid Kubernetes object name/);
    const badKey = structuredClone(bundles);
    badKey[0]!.config[0]!.key = 'has space';
    fails({ ...base, bundles: badKey }, /cannot be a Kubernetes Secret or ConfigMap key/);
    const dots = structuredClone(bundles);
    dots[0]!.secrets[0]!.name = '..';
    fails({ ...base, bundles: dots }, /cannot be a Kubernetes/);
    const big = new Map([
      ['postgres_password', 'x'.repeat(600_000)],
      ['secret_key', 'y'.repeat(600_000)],
    ]);
    fails({ ...base, values: big }, /reactrine-backend-secrets would hold 1200000 bytes; Kubernetes allows 1048576/);
    const ok = renderK8s({ ...base, values: new Map([['postgres_password', 'x'.repeat(1_000_000)]]) });
    assert.ok(ok.files[0]?.secret);
  });
});
