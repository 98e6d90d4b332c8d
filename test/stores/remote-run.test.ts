/**
 * `envplane run` with an environment whose store is Vault (the wire-level fake, in this process) or AWS Secrets
 * Manager (moto_server): each instance receives exactly its own values, read at the moment of delivery; a missing
 * entry, a permission denial and a refused connection are located errors that name the path, never the token or a
 * value; VAULT_* and AWS_* never reach the child unless the manifest declares them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VaultClient } from '../../src/stores/kinds/_vault-client.ts';
import { AwsSecrets } from '../../src/stores/kinds/_aws-sm.ts';
import { CLI, tempDir } from '../_helpers.ts';
import { type Moto, startMoto } from './_moto.ts';
import { VaultFake } from './_vault-fake.ts';

const TOKEN = 'hvs.CANARY-token-run-4d2f1e';
const VALUES: Record<string, string> = {
  'shop/production/DB_PASSWORD': 'cAnArY-db-1f2e3d',
  'shop/production/acme/API_TOKEN': 'cAnArY-acme-9a8b7c',
  'shop/production/wex/API_TOKEN': 'cAnArY-wex-6d5e4f',
};

function project(store: string): string {
  const dir = tempDir('envplane-remote-');
  writeFileSync(
    join(dir, 'envplane.yaml'),
    [
      'project: shop',
      'environments:',
      '  production:',
      '    aliases: [prod]',
      `    secrets: ${store}`,
      'tenants: [acme, wex]',
      'keys:',
      '  DB_PASSWORD: { plane: secret, maxAge: 30 }',
      '  API_TOKEN: { plane: secret, perTenant: true }',
      'services:',
      '  api: { uses: [DB_PASSWORD] }',
      '  worker: { perTenant: true, uses: [DB_PASSWORD, API_TOKEN] }',
      '',
    ].join('\n'),
  );
  return dir;
}

/** The CLI, asynchronously: the Vault fake answers from this process's event loop. */
function cli(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

/** A child that prints its environment's names and every secret file it was given (name=value). */
const SHOW = [
  'node',
  '-e',
  "const fs=require('fs');const d=process.env.ENVPLANE_SECRETS_DIR;const out={env:Object.keys(process.env).sort(),files:{}};for(const f of fs.readdirSync(d))out.files[f]=fs.readFileSync(d+'/'+f,'utf8');console.log(JSON.stringify(out))",
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function assertClean(r: { stdout: string; stderr: string }, secrets: string[]): void {
  for (const s of secrets) {
    assert.ok(!r.stderr.includes(s), `stderr holds ${s.slice(0, 12)}…`);
  }
}

describe('run reads from a Vault store', () => {
  const fake = new VaultFake({ tokens: { [TOKEN]: 'root' } });
  // Made here, not in a hook: a temp folder made in `before` would be removed when the hook ends.
  const dir = project('{ store: vault, mount: secret }');
  before(async () => {
    await fake.start();
    const c = new VaultClient({ address: fake.address, auth: { token: TOKEN }, backoffMs: 0 });
    for (const [p, v] of Object.entries(VALUES)) await c.kvWrite('secret', p, { value: v });
    c.close();
  });
  after(async () => {
    await fake.stop();
  });

  test('each instance gets its own values, and no VAULT_* variable', async () => {
    const env = { VAULT_ADDR: fake.address, VAULT_TOKEN: TOKEN, VAULT_NAMESPACE: '', ENVPLANE_RETRY_BACKOFF_MS: '0' };
    for (const [service, tenant, expected] of [
      ['api', undefined, { DB_PASSWORD: VALUES['shop/production/DB_PASSWORD'] }],
      [
        'worker',
        'acme',
        { DB_PASSWORD: VALUES['shop/production/DB_PASSWORD'], API_TOKEN: VALUES['shop/production/acme/API_TOKEN'] },
      ],
      [
        'worker',
        'wex',
        { DB_PASSWORD: VALUES['shop/production/DB_PASSWORD'], API_TOKEN: VALUES['shop/production/wex/API_TOKEN'] },
      ],
    ] as const) {
      const r = await cli(
        ['run', '--env', 'prod', '--service', service, ...(tenant ? ['--tenant', tenant] : []), '--', ...SHOW],
        dir,
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      const seen = JSON.parse(r.stdout) as { env: string[]; files: Record<string, string> };
      assert.deepEqual(seen.files, expected);
      assert.deepEqual(
        seen.env.filter((n) => n.startsWith('VAULT_')),
        [],
        'no Vault credential reaches the child',
      );
    }
    // One request per secret, none for another instance's: the api read exactly one entry.
    const reads = fake.log.filter((l) => l.method === 'GET' && l.path.startsWith('/v1/secret/data/'));
    assert.ok(!reads.some((l) => l.path.includes('API_TOKEN') && l.token !== TOKEN));
  });

  test('render k8s reads the values from Vault into 0600 Secrets, each tenant its own', async () => {
    const r = await cli(['render', 'k8s', '--env', 'prod', '-o', 'k8s.yaml'], dir, {
      VAULT_ADDR: fake.address,
      VAULT_TOKEN: TOKEN,
    });
    assert.equal(r.code, 0, r.stderr);
    assertClean(r, [TOKEN, ...Object.values(VALUES)]);
    const file = join(dir, 'k8s.yaml');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    for (const v of Object.values(VALUES))
      assert.ok(text.includes(Buffer.from(v).toString('base64')), 'each value, base64');
    assert.ok(!Object.values(VALUES).some((v) => text.includes(v)), 'no value in plain text');
  });

  test('export --include-secrets reads from Vault into a 0600 file; without it the secret is named, not exported', async () => {
    const env = { VAULT_ADDR: fake.address, VAULT_TOKEN: TOKEN };
    const r = await cli(
      ['export', '--env', 'prod', '--service', 'worker', '--tenant', 'acme', '--include-secrets', '-o', 'acme.env'],
      dir,
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(dir, 'acme.env'), 'utf8');
    assert.equal(statSync(join(dir, 'acme.env')).mode & 0o777, 0o600);
    assert.match(text, new RegExp(`API_TOKEN='?${VALUES['shop/production/acme/API_TOKEN']}`));
    assert.ok(!text.includes(VALUES['shop/production/wex/API_TOKEN'] ?? '-'), 'not another tenant’s');
    assertClean(r, [TOKEN, ...Object.values(VALUES)]);
    const names = await cli(['export', '--env', 'prod', '--service', 'api', '-o', '-'], dir, env);
    assert.equal(names.code, 0, names.stderr);
    assert.match(names.stderr, /DB_PASSWORD is not a local file \(shop\/production\/DB_PASSWORD\); not exported/);
    assert.ok(!names.stdout.includes(VALUES['shop/production/DB_PASSWORD'] ?? '-'));
  });

  test('a missing entry is a located error naming the path', async () => {
    const c = new VaultClient({ address: fake.address, auth: { token: TOKEN }, backoffMs: 0 });
    await c.kvDelete('secret', 'shop/production/wex/API_TOKEN');
    c.close();
    const r = await cli(
      ['run', '--env', 'prod', '--service', 'worker', '--tenant', 'wex', '--', 'node', '-e', '0'],
      dir,
      {
        VAULT_ADDR: fake.address,
        VAULT_TOKEN: TOKEN,
      },
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /API_TOKEN/);
    assert.match(r.stderr, /shop\/production\/wex\/API_TOKEN/);
    assertClean(r, [TOKEN, ...Object.values(VALUES)]);
  });

  test('check reaches Vault only with --stores: then a deleted entry is missing and an old one too old, no value read', async () => {
    const before = fake.log.length;
    const plain = await cli(['check', '--env', 'prod'], dir, { VAULT_ADDR: fake.address, VAULT_TOKEN: TOKEN });
    assert.equal(plain.code, 0, plain.stderr + plain.stdout);
    assert.equal(fake.log.length, before, 'no request without --stores');
    const r = await cli(['check', '--env', 'prod', '--stores', '--json'], dir, {
      VAULT_ADDR: fake.address,
      VAULT_TOKEN: TOKEN,
    });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { problems: { rule: string; message: string }[] };
    const missing = report.problems.filter((p) => p.rule === 'secret-missing').map((p) => p.message);
    assert.deepEqual(missing, [
      'secret API_TOKEN for worker@wex in production: shop/production/wex/API_TOKEN does not exist',
    ]);
    // The fake's clock starts on 2026-01-01: DB_PASSWORD (maxAge: 30) is older than that.
    assert.ok(
      report.problems.some((p) => p.rule === 'secret-too-old' && p.message.includes('DB_PASSWORD')),
      r.stdout,
    );
    const asked = fake.log.slice(before);
    assert.ok(
      asked.length > 0 && asked.every((l) => l.path.startsWith('/v1/secret/metadata/')),
      'metadata only: no value read',
    );
    assertClean(r, [TOKEN, ...Object.values(VALUES)]);
    assert.ok(!Object.values(VALUES).some((v) => r.stdout.includes(v)));
  });

  test('a permission denial names the path and the policy command, never the token', async () => {
    const limited = 'hvs.CANARY-limited-7e6d5c';
    fake.setToken(limited, [{ path: 'secret/data/shop/production/DB_PASSWORD', capabilities: ['read'] }]);
    const r = await cli(
      ['run', '--env', 'prod', '--service', 'worker', '--tenant', 'acme', '--', 'node', '-e', '0'],
      dir,
      {
        VAULT_ADDR: fake.address,
        VAULT_TOKEN: limited,
      },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /denied .*secret\/data\/shop\/production\/acme\/API_TOKEN/);
    assert.match(r.stderr, /vault-policy/);
    assertClean(r, [limited, TOKEN, ...Object.values(VALUES)]);
  });

  test('5xx and 429 answers are retried; an error body echoing the token and a value never reaches the output', async () => {
    const env = { VAULT_ADDR: fake.address, VAULT_TOKEN: TOKEN, ENVPLANE_RETRY_BACKOFF_MS: '0' };
    fake.faults.push({
      match: (m) => m === 'GET',
      action: { status: 503, body: { errors: ['Vault is sealed'] } },
      times: 1,
    });
    fake.faults.push({
      match: (m) => m === 'GET',
      action: { status: 429, body: { errors: ['rate limit quota exceeded'] } },
      times: 1,
    });
    const ok = await cli(['run', '--env', 'prod', '--service', 'api', '--', ...SHOW], dir, env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as { files: Record<string, string> }).files, {
      DB_PASSWORD: VALUES['shop/production/DB_PASSWORD'],
    });
    const echo = `request {"token":"${TOKEN}","value":"${VALUES['shop/production/DB_PASSWORD']}"} failed`;
    fake.faults.push({ match: (m) => m === 'GET', action: { status: 500, body: { errors: [echo] } } });
    try {
      const r = await cli(['run', '--env', 'prod', '--service', 'api', '--', 'node', '-e', '0'], dir, env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /HTTP 500/);
      assert.match(r.stderr, /secret\/data\/shop\/production\/DB_PASSWORD/);
      assert.ok(!r.stderr.includes(TOKEN), 'the token is masked');
      assert.ok(
        !r.stderr.includes(VALUES['shop/production/DB_PASSWORD'] ?? '-'),
        'a data read’s answer is never quoted',
      );
      assert.ok(!r.stdout.includes(TOKEN));
    } finally {
      fake.faults.length = 0;
    }
  });

  test('a refused connection is a failure naming the address, after bounded retries', async () => {
    const port = await freePort();
    const r = await cli(['run', '--env', 'prod', '--service', 'api', '--', 'node', '-e', '0'], dir, {
      VAULT_ADDR: `http://127.0.0.1:${port}`,
      VAULT_TOKEN: TOKEN,
      ENVPLANE_RETRY_BACKOFF_MS: '0',
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*connection refused \\(3 attempts\\)`));
    assertClean(r, [TOKEN]);
  });

  test('no credentials is a usage error with the standard ways in the hint', async () => {
    const r = await cli(['run', '--env', 'prod', '--service', 'api', '--', 'node', '-e', '0'], dir, {
      VAULT_ADDR: fake.address,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no Vault credentials/);
    assert.match(r.stderr, /VAULT_TOKEN/);
  });
});

describe('run reads from an AWS Secrets Manager store', () => {
  let moto: Moto;
  const dir = project('{ store: aws, region: us-east-1 }');
  const dir2 = project('{ store: aws, region: us-east-1, name: "other/{env}/{name}" }');
  const saved = { ...process.env };
  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
    const sm = new AwsSecrets({ region: 'us-east-1' });
    for (const [p, v] of Object.entries(VALUES)) await sm.write(p, v, undefined);
    sm.close();
  });
  after(async () => {
    await moto.stop();
    for (const k of Object.keys(moto.env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test('each instance gets its own values in one batch call, and no AWS_* variable', async () => {
    for (const [service, tenant, expected] of [
      ['api', undefined, { DB_PASSWORD: VALUES['shop/production/DB_PASSWORD'] }],
      [
        'worker',
        'wex',
        { DB_PASSWORD: VALUES['shop/production/DB_PASSWORD'], API_TOKEN: VALUES['shop/production/wex/API_TOKEN'] },
      ],
    ] as const) {
      const r = await cli(
        ['run', '--env', 'prod', '--service', service, ...(tenant ? ['--tenant', tenant] : []), '--', ...SHOW],
        dir,
        moto.env,
      );
      assert.equal(r.code, 0, r.stderr);
      const seen = JSON.parse(r.stdout) as { env: string[]; files: Record<string, string> };
      assert.deepEqual(seen.files, expected);
      assert.deepEqual(
        seen.env.filter((n) => n.startsWith('AWS_')),
        [],
        'no AWS credential reaches the child',
      );
      assert.equal(r.stderr, '', 'nothing on stderr (the SDK’s Node-version warning is off)');
    }
  });

  test('check --stores asks Secrets Manager: everything there and fresh, or missing under another name', async () => {
    const ok = await cli(['check', '--env', 'prod', '--stores'], dir, moto.env);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const r = await cli(['check', '--env', 'prod', '--stores', '--json'], dir2, moto.env);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { problems: { rule: string; message: string }[] };
    assert.ok(
      report.problems.some((p) => p.rule === 'secret-missing' && p.message.includes('other/production/DB_PASSWORD')),
      r.stdout,
    );
    assert.ok(!Object.values(VALUES).some((v) => r.stdout.includes(v) || r.stderr.includes(v)));
  });

  test('a missing secret names the secret and its AWS name', async () => {
    const r = await cli(['run', '--env', 'prod', '--service', 'api', '--', 'node', '-e', '0'], dir2, moto.env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /DB_PASSWORD/);
    assert.match(r.stderr, /other\/production\/DB_PASSWORD/);
  });
});

describe('store templates are checked in the manifest', () => {
  for (const [store, message] of [
    ['{ store: vault, path: "{project}/{env}" }', /no \{name\}/],
    ['{ store: vault, tenantPath: "{project}/{env}/{name}" }', /no \{tenant\}/],
    ['{ store: vault, path: "{project}/*/{name}" }', /not a safe name/],
    ['{ store: aws, name: "{project}/{service}/{name}" }', /\{service\} is not supported/],
    ['{ store: aws, name: "{project}/{region}/{name}" }', /unknown placeholder/],
  ] as const)
    test(store, async () => {
      const r = await cli(['check'], project(store), {});
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /envplane\.yaml:\d+/);
    });
});
