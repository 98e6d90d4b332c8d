/**
 * The per-instance policies (`vault-policy`, `iam-policy`) for both examples, every environment: each rendered
 * policy is evaluated against every instance's own entries and every other instance's, with Vault's ACL matching
 * (the fake's evaluator, also used on the wire) and an IAM evaluator written here (Allow/Deny statements, Action and
 * Resource wildcards `*` and `?`, StringEquals conditions). Own: allowed; everyone else's: denied; never list,
 * metadata or writes; the random 6-character ARN suffix matches this secret only; kms:Decrypt on the store's key only.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { listInstances } from '../../src/resolve/instances.ts';
import { DEFAULT_REMOTE_PATH, DEFAULT_REMOTE_TENANT_PATH, fillRemotePath } from '../../src/manifest/remote-path.ts';
import { VaultClient, VaultError } from '../../src/stores/kinds/_vault-client.ts';
import { type RemoteGrant, remoteGrants } from '../../src/targets/grants.ts';
import { renderIamPolicy } from '../../src/targets/iam-policy.ts';
import { renderVaultPolicy } from '../../src/targets/vault-policy.ts';
import { mulberry32 } from '../_random.ts';
import { allowed, type Capability, type PolicyRule, VaultFake } from '../stores/_vault-fake.ts';
import { REPO, runCli, tempDir } from '../_helpers.ts';

/** The HCL envplane renders, read back as rules (path blocks with a capabilities list; nothing else is accepted). */
function parseHcl(text: string): PolicyRule[] {
  const body = text.replace(/#.*$/gm, '').trim();
  const rules: PolicyRule[] = [];
  const block = /\s*path\s+"((?:[^"\\]|\\.)*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}\s*/y;
  let at = 0;
  for (;;) {
    block.lastIndex = at;
    const m = block.exec(body);
    if (m === null) break;
    rules.push({ path: JSON.parse(`"${m[1]}"`), capabilities: JSON.parse(`[${m[2]}]`) as Capability[] });
    at = block.lastIndex;
  }
  assert.equal(body.slice(at), '', `unparsed HCL: ${body.slice(at, at + 80)}`);
  return rules;
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

function wildcard(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    's',
  );
  return re.test(text);
}

/** IAM's evaluation for one identity policy: an explicit Deny wins, then any Allow, else the implicit deny. */
function iamAllows(
  doc: { Statement: Statement[] },
  action: string,
  resource: string,
  context: Record<string, string> = {},
): boolean {
  const list = (x: string | string[]) => (Array.isArray(x) ? x : [x]);
  const applies = (s: Statement) =>
    list(s.Action).some((a) => wildcard(a.toLowerCase(), action.toLowerCase())) &&
    list(s.Resource).some((r) => wildcard(r, resource)) &&
    Object.entries(s.Condition ?? {}).every(([op, kv]) => {
      assert.equal(op, 'StringEquals', `the evaluator knows StringEquals only, got ${op}`);
      return Object.entries(kv).every(([k, v]) => context[k] === v);
    });
  if (doc.Statement.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return doc.Statement.some((s) => s.Effect === 'Allow' && applies(s));
}

const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function grantsFor(example: 'four-planes' | 'service-scoped'): { env: string; grants: RemoteGrant[] }[] {
  const project = loadProject({ dir: join(REPO, 'examples', example), lookup: {} });
  return project.manifest.environments.map((environment) => {
    const bundles = listInstances(project.manifest).map((i) =>
      resolveBundle(project.manifest, project.layers, environment, i),
    );
    const grants = remoteGrants(bundles, (name, tenant) =>
      fillRemotePath(tenant === undefined ? DEFAULT_REMOTE_PATH : DEFAULT_REMOTE_TENANT_PATH, {
        project: example,
        env: environment.name,
        name,
        ...(tenant !== undefined ? { tenant } : {}),
      }),
    );
    return { env: environment.name, grants };
  });
}

for (const example of ['four-planes', 'service-scoped'] as const) {
  describe(`policies per instance: ${example}`, () => {
    for (const { env, grants } of grantsFor(example)) {
      const withSecrets = grants.filter((g) => g.entries.length > 0);
      const everyEntry = [...new Set(grants.flatMap((g) => g.entries.map((e) => e.path)))];

      test(`${env}: every Vault policy reads its own entries and nothing else`, () => {
        const r = renderVaultPolicy({ environment: env, mount: 'secret', grants });
        assert.equal(r.files.length, withSecrets.length);
        for (const grant of withSecrets) {
          const file = r.files.find((f) => f.path === `vault-policy/${env}/${grant.slug}.hcl`);
          assert.ok(file, `a policy for ${grant.instance}`);
          const rules = parseHcl(file.contents);
          const own = new Set(grant.entries.map((e) => e.path));
          for (const path of everyEntry) {
            assert.equal(
              allowed(rules, `secret/data/${path}`, 'read'),
              own.has(path),
              `${grant.instance} read ${path}`,
            );
            for (const cap of ['create', 'update', 'delete', 'patch', 'list'] as const)
              assert.equal(allowed(rules, `secret/data/${path}`, cap), false, `${grant.instance} ${cap} ${path}`);
            assert.equal(allowed(rules, `secret/metadata/${path}`, 'read'), false, 'no metadata');
            assert.equal(allowed(rules, `secret/destroy/${path}`, 'update'), false, 'no destroy');
          }
          assert.equal(allowed(rules, 'secret/metadata/', 'list'), false);
          assert.equal(allowed(rules, `secret/data/${example}/${env}/UNDECLARED`, 'read'), false);
        }
        for (const grant of grants.filter((g) => g.entries.length === 0))
          assert.ok(r.warnings.some((w) => w.startsWith(grant.instance)));
      });

      test(`${env}: every IAM policy reads its own secrets (any 6-char suffix) and no other, decrypting with its key only`, () => {
        const region = 'eu-west-1';
        const account = '123456789012';
        const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
        const r = renderIamPolicy({ environment: env, region, account, kmsKeyId: key, grants });
        const random = mulberry32(example.length * 1000 + env.length);
        const suffix = () =>
          Array.from({ length: 6 }, () => SUFFIX_CHARS[Math.floor(random() * SUFFIX_CHARS.length)]).join('');
        const arn = (name: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix()}`;
        for (const grant of withSecrets) {
          const file = r.files.find((f) => f.path === `iam-policy/${env}/${grant.slug}.json`);
          assert.ok(file);
          const doc = JSON.parse(file.contents) as { Statement: Statement[] };
          const own = new Set(grant.entries.map((e) => e.path));
          for (const name of everyEntry) {
            for (let i = 0; i < 3; i++) {
              const a = arn(name);
              assert.equal(
                iamAllows(doc, 'secretsmanager:GetSecretValue', a),
                own.has(name),
                `${grant.instance} GetSecretValue ${a}`,
              );
              for (const action of [
                'secretsmanager:PutSecretValue',
                'secretsmanager:DeleteSecret',
                'secretsmanager:UpdateSecretVersionStage',
                'secretsmanager:ListSecrets',
              ])
                assert.equal(iamAllows(doc, action, a), false, `${grant.instance} ${action}`);
            }
            // A secret whose name extends this one is another secret: `<name>-abcdef` gets its own suffix.
            assert.equal(
              iamAllows(doc, 'secretsmanager:GetSecretValue', arn(`${name}-abcdef`)),
              false,
              'a longer name is another secret',
            );
            assert.equal(
              iamAllows(
                doc,
                'secretsmanager:GetSecretValue',
                `arn:aws:secretsmanager:us-east-1:${account}:secret:${name}-${suffix()}`,
              ),
              false,
              'another region',
            );
            assert.equal(
              iamAllows(
                doc,
                'secretsmanager:GetSecretValue',
                `arn:aws:secretsmanager:${region}:999999999999:secret:${name}-${suffix()}`,
              ),
              false,
              'another account',
            );
          }
          const via = { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` };
          assert.equal(iamAllows(doc, 'kms:Decrypt', key, via), true);
          assert.equal(iamAllows(doc, 'kms:Decrypt', key, {}), false, 'only through Secrets Manager');
          assert.equal(iamAllows(doc, 'kms:Decrypt', key.replace('1234abcd', 'ffffffff'), via), false, 'another key');
          assert.equal(iamAllows(doc, 'kms:Encrypt', key, via), false);
        }
        const plain = renderIamPolicy({ environment: env, region, account, grants });
        for (const f of plain.files) assert.ok(!f.contents.includes('kms:'), 'no KMS grant without a key');
      });
    }
  });
}

describe('a rendered Vault policy on the wire', () => {
  const fake = new VaultFake({ tokens: {} });
  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.stop();
  });

  test('each tenant worker token reads its own entries through the KV API and gets 403 for every other tenant', async () => {
    const prod = grantsFor('service-scoped').find((g) => g.env === 'development');
    assert.ok(prod);
    const r = renderVaultPolicy({ environment: 'development', mount: 'secret', grants: prod.grants });
    const root = new VaultClient({ address: fake.address, auth: { token: 'root' }, backoffMs: 0 });
    fake.setToken('root', 'root');
    const everyEntry = [...new Set(prod.grants.flatMap((g) => g.entries.map((e) => e.path)))];
    for (const p of everyEntry) await root.kvWrite('secret', p, { value: `value-of-${p}` });
    root.close();
    for (const grant of prod.grants.filter((g) => g.entries.length > 0)) {
      const file = r.files.find((f) => f.path.endsWith(`/${grant.slug}.hcl`));
      assert.ok(file);
      const token = `hvs.${grant.slug}`;
      fake.setToken(token, parseHcl(file.contents));
      const c = new VaultClient({ address: fake.address, auth: { token }, backoffMs: 0 });
      assert.deepEqual(
        await c.mountOf(`secret/${grant.entries[0]?.path}`),
        { mount: 'secret', version: 2 },
        'the preflight passes',
      );
      const own = new Set(grant.entries.map((e) => e.path));
      for (const p of everyEntry) {
        if (own.has(p)) assert.equal((await c.kvRead('secret', p))?.data.value, `value-of-${p}`);
        else await assert.rejects(c.kvRead('secret', p), (e: unknown) => e instanceof VaultError && e.status === 403);
      }
      await assert.rejects(
        c.kvList('secret', 'service-scoped/development'),
        (e: unknown) => e instanceof VaultError && e.status === 403,
      );
      c.close();
    }
  });
});

describe('remote paths refuse names that could widen a policy', () => {
  for (const bad of ['*', '+', 'a*', '..', '.', 'a b', 'a?b', '', 'x\n'])
    test(`a tenant ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => fillRemotePath(DEFAULT_REMOTE_TENANT_PATH, { project: 'p', env: 'prod', tenant: bad, name: 'K' }),
        /not a safe name/,
      );
    });
  test('an unknown placeholder, or {tenant} for a shared secret, is an input error naming the template', () => {
    assert.throws(
      () => fillRemotePath('{project}/{region}/{name}', { project: 'p', env: 'e', name: 'K' }),
      /unknown placeholder \{region\}/,
    );
    assert.throws(
      () => fillRemotePath('{project}/{tenant}/{name}', { project: 'p', env: 'e', name: 'K' }),
      /uses \{tenant\}/,
    );
  });
});

describe('render vault-policy and render iam-policy', () => {
  const manifest = (store: string) =>
    [
      'project: shop',
      'environments:',
      '  production:',
      `    secrets: ${store}`,
      'tenants: [acme, wex]',
      'keys:',
      '  DB_PASSWORD: { plane: secret }',
      '  API_TOKEN: { plane: secret, perTenant: true }',
      'services:',
      '  api: { uses: [DB_PASSWORD] }',
      '  worker: { perTenant: true, uses: [DB_PASSWORD, API_TOKEN] }',
      '',
    ].join('\n');

  test('vault-policy prints one instance, writes every instance, and --check sees the manifest change', () => {
    const dir = tempDir('envplane-policy-');
    writeFileSync(join(dir, 'envplane.yaml'), manifest('{ store: vault, mount: kv }'));
    const one = runCli(['render', 'vault-policy', '--env', 'production', '--service', 'worker', '--tenant', 'wex'], {
      cwd: dir,
    });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      parseHcl(one.stdout).map((r) => r.path),
      ['kv/data/shop/production/DB_PASSWORD', 'kv/data/shop/production/wex/API_TOKEN'],
    );
    const all = runCli(['render', 'vault-policy', '--env', 'production', '-o', 'policies'], { cwd: dir });
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(readdirSync(join(dir, 'policies', 'production')).sort(), [
      'api.hcl',
      'worker-acme.hcl',
      'worker-wex.hcl',
    ]);
    assert.equal(
      runCli(['render', 'vault-policy', '--env', 'production', '-o', 'policies', '--check'], { cwd: dir }).code,
      0,
    );
    // The api starts reading the tenant-free API key too: its policy drifted from the manifest.
    writeFileSync(
      join(dir, 'envplane.yaml'),
      manifest('{ store: vault, mount: kv }')
        .replace('api: { uses: [DB_PASSWORD] }', 'api: { uses: [DB_PASSWORD, EXTRA] }')
        .replace('keys:\n', 'keys:\n  EXTRA: { plane: secret }\n'),
    );
    const drift = runCli(['render', 'vault-policy', '--env', 'production', '-o', 'policies', '--check'], { cwd: dir });
    assert.equal(drift.code, 1, drift.stderr + drift.stdout);
    assert.match(drift.stdout + drift.stderr, /api\.hcl/);
  });

  test('iam-policy needs the account, writes JSON it recognises as its own on the next run, and refuses a Vault store', () => {
    const dir = tempDir('envplane-policy-');
    writeFileSync(
      join(dir, 'envplane.yaml'),
      manifest('{ store: aws, region: eu-west-1, kmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab }'),
    );
    const none = runCli(['render', 'iam-policy', '--env', 'production'], { cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--account/);
    for (let i = 0; i < 2; i++) {
      const r = runCli(['render', 'iam-policy', '--env', 'production', '--account', '123456789012', '-o', 'iam'], {
        cwd: dir,
      });
      assert.equal(r.code, 0, r.stderr);
    }
    const doc = JSON.parse(readFileSync(join(dir, 'iam', 'production', 'worker-acme.json'), 'utf8')) as {
      Statement: Statement[];
    };
    assert.equal(
      iamAllows(
        doc,
        'secretsmanager:GetSecretValue',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/production/acme/API_TOKEN-Ab12Cd',
      ),
      true,
    );
    assert.equal(
      iamAllows(
        doc,
        'secretsmanager:GetSecretValue',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/production/wex/API_TOKEN-Ab12Cd',
      ),
      false,
    );
    assert.equal(
      iamAllows(doc, 'kms:Decrypt', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', {
        'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com',
      }),
      true,
    );
    writeFileSync(join(dir, 'envplane.yaml'), manifest('{ store: vault }'));
    const wrong = runCli(['render', 'iam-policy', '--env', 'production', '--account', '123456789012'], { cwd: dir });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /vault store, not AWS Secrets Manager/);
  });
});
