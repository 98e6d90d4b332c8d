/**
 * envplane's Vault KV v2 client against the wire-level fake, and the fake against a second real client: Debian's
 * python3-hvac (for /usr/bin/python3). Both clients must agree with each other and with what the fake stores.
 * Faults: refused, reset, hanging, 5xx and 429 answers (bounded retries, counted), error bodies that echo the request.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mapLimit, VaultClient, VaultError, vaultSettingsFromEnv } from '../../src/stores/kinds/_vault-client.ts';
import { tempDir } from '../_helpers.ts';
import { VaultFake } from './_vault-fake.ts';

const HVAC_PYTHON = '/usr/bin/python3';
const CANARY = 'cAnArY-vault-9f3e1d2c';
const TOKEN = 'hvs.TEST-root-token-5e1b7a';

/** Runs a Python program with hvac; the token and values travel in the environment and stdin, never in argv. */
async function hvac(address: string, program: string, input: unknown = {}): Promise<unknown> {
  // Asynchronous: the fake answers from this process's event loop.
  const child = spawn(
    HVAC_PYTHON,
    [
      '-c',
      `import hvac, json, sys\nclient = hvac.Client(url=${JSON.stringify(address)})\nargs = json.load(sys.stdin)\n${program}`,
    ],
    {
      env: { PATH: process.env.PATH ?? '', VAULT_TOKEN: TOKEN, HOME: tempDir('envplane-hvac-home-') },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdin.end(JSON.stringify(input));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `hvac failed: ${stderr}`);
  const out = stdout.trim();
  return out === '' ? undefined : JSON.parse(out);
}

describe('python3-hvac is installed (the second Vault client)', () => {
  test(`${HVAC_PYTHON} imports hvac`, () => {
    assert.ok(existsSync(HVAC_PYTHON), `${HVAC_PYTHON} is missing: install Debian's python3 and python3-hvac`);
    const r = spawnSync(HVAC_PYTHON, ['-c', 'import hvac'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `python3-hvac is missing (apt-get install python3-hvac): ${r.stderr}`);
  });
});

describe('Vault KV v2 client and fake', () => {
  const fake = new VaultFake({ tokens: { [TOKEN]: 'root' } });
  let client: VaultClient;
  before(async () => {
    await fake.start();
    client = new VaultClient({ address: fake.address, auth: { token: TOKEN }, backoffMs: 0 });
  });
  after(async () => {
    client.close();
    await fake.stop();
  });

  test('write, read, CAS, versions, list, metadata', async () => {
    assert.equal(await client.kvRead('secret', 'app/prod/DB'), undefined);
    assert.deepEqual(await client.kvWrite('secret', 'app/prod/DB', { value: CANARY }, 0), { version: 1 });
    assert.deepEqual(await client.kvWrite('secret', 'app/prod/DB', { value: 'other' }, 0), { conflict: true });
    assert.deepEqual(await client.kvWrite('secret', 'app/prod/DB', { value: `${CANARY}-2` }, 1), { version: 2 });
    const latest = await client.kvRead('secret', 'app/prod/DB');
    assert.deepEqual(latest?.data, { value: `${CANARY}-2` });
    assert.equal(latest?.version, 2);
    assert.deepEqual((await client.kvRead('secret', 'app/prod/DB', 1))?.data, { value: CANARY });
    const meta = await client.kvMetadata('secret', 'app/prod/DB');
    assert.equal(meta?.currentVersion, 2);
    assert.deepEqual(Object.keys(meta?.versions ?? {}), ['1', '2']);
    await client.kvWrite('secret', 'app/prod/api/TOKEN', { value: 'x-y-z-w' });
    assert.deepEqual(await client.kvList('secret', 'app/prod'), ['DB', 'api/']);
    assert.deepEqual(await client.kvList('secret', 'nothing/here'), []);
    assert.deepEqual(fake.stored('secret', 'app/prod/DB'), { data: { value: `${CANARY}-2` }, version: 2 });
  });

  test('soft delete, undelete, destroy', async () => {
    await client.kvWrite('secret', 'del/A', { value: 'one1' });
    await client.kvWrite('secret', 'del/A', { value: 'two2' });
    await client.kvDelete('secret', 'del/A');
    assert.equal(await client.kvRead('secret', 'del/A'), undefined, 'the deleted latest version is not returned');
    assert.deepEqual((await client.kvRead('secret', 'del/A', 1))?.data, { value: 'one1' });
    await client.kvUndelete('secret', 'del/A', [2]);
    assert.deepEqual((await client.kvRead('secret', 'del/A'))?.data, { value: 'two2' });
    await client.kvDestroy('secret', 'del/A', [2]);
    assert.equal(await client.kvRead('secret', 'del/A'), undefined);
    await client.kvUndelete('secret', 'del/A', [2]);
    assert.equal(await client.kvRead('secret', 'del/A'), undefined, 'a destroyed version cannot be undeleted');
    const meta = await client.kvMetadata('secret', 'del/A');
    assert.equal(meta?.versions['2']?.destroyed, true);
    await client.kvDelete('secret', 'del/A', [1]);
    assert.notEqual((await client.kvMetadata('secret', 'del/A'))?.versions['1']?.deletionTime, '');
  });

  test('the mount preflight names the mount and its KV version; no mount is a 403 naming the path', async () => {
    assert.deepEqual(await client.mountOf('secret/app/prod'), { mount: 'secret', version: 2 });
    await assert.rejects(client.mountOf('nomount/app'), (e: unknown) => {
      assert.ok(e instanceof VaultError);
      assert.equal(e.status, 403);
      assert.match(e.message, /nomount\/app/);
      assert.doesNotMatch(`${e.message} ${e.hint}`, new RegExp(TOKEN));
      return true;
    });
  });

  test('hvac reads what envplane wrote, envplane reads what hvac wrote, and both agree with the store', async () => {
    await client.kvWrite('secret', 'agree/ONE', { value: CANARY });
    const seen = await hvac(
      fake.address,
      [
        'r = client.secrets.kv.v2.read_secret_version(path="agree/ONE", mount_point="secret")',
        'client.secrets.kv.v2.create_or_update_secret(path="agree/TWO", secret={"value": args["v"]}, cas=0, mount_point="secret")',
        'client.secrets.kv.v2.create_or_update_secret(path="agree/TWO", secret={"value": args["v"] + "-b"}, cas=1, mount_point="secret")',
        'conflict = False',
        'try:',
        '    client.secrets.kv.v2.create_or_update_secret(path="agree/TWO", secret={"value": "late"}, cas=1, mount_point="secret")',
        'except hvac.exceptions.InvalidRequest:',
        '    conflict = True',
        'keys = client.secrets.kv.v2.list_secrets(path="agree", mount_point="secret")["data"]["keys"]',
        'meta = client.secrets.kv.v2.read_secret_metadata(path="agree/TWO", mount_point="secret")["data"]',
        'print(json.dumps({"one": r["data"]["data"], "version": r["data"]["metadata"]["version"], "conflict": conflict, "keys": keys, "current": meta["current_version"]}))',
      ].join('\n'),
      { v: `${CANARY}-hvac` },
    );
    assert.deepEqual(seen, { one: { value: CANARY }, version: 1, conflict: true, keys: ['ONE', 'TWO'], current: 2 });
    const two = await client.kvRead('secret', 'agree/TWO');
    assert.deepEqual(two, { data: { value: `${CANARY}-hvac-b` }, version: 2, createdTime: two?.createdTime });
    assert.deepEqual(fake.stored('secret', 'agree/TWO'), { data: { value: `${CANARY}-hvac-b` }, version: 2 });
  });

  test('hvac and envplane agree on soft delete, undelete and destroy', async () => {
    await client.kvWrite('secret', 'agree/DEL', { value: 'v1-value' });
    await client.kvWrite('secret', 'agree/DEL', { value: 'v2-value' });
    const seen = await hvac(
      fake.address,
      [
        'client.secrets.kv.v2.delete_latest_version_of_secret(path="agree/DEL", mount_point="secret")',
        'gone = False',
        'try:',
        '    client.secrets.kv.v2.read_secret_version(path="agree/DEL", mount_point="secret")',
        'except hvac.exceptions.InvalidPath:',
        '    gone = True',
        'v1 = client.secrets.kv.v2.read_secret_version(path="agree/DEL", version=1, mount_point="secret")["data"]["data"]',
        'client.secrets.kv.v2.destroy_secret_versions(path="agree/DEL", versions=[1], mount_point="secret")',
        'print(json.dumps({"gone": gone, "v1": v1}))',
      ].join('\n'),
    );
    assert.deepEqual(seen, { gone: true, v1: { value: 'v1-value' } });
    assert.equal(await client.kvRead('secret', 'agree/DEL'), undefined);
    assert.equal(await client.kvRead('secret', 'agree/DEL', 1), undefined);
    await client.kvUndelete('secret', 'agree/DEL', [2]);
    const back = await hvac(
      fake.address,
      'print(json.dumps(client.secrets.kv.v2.read_secret_version(path="agree/DEL", mount_point="secret")["data"]["data"]))',
    );
    assert.deepEqual(back, { value: 'v2-value' });
    const meta = await hvac(
      fake.address,
      'print(json.dumps(client.secrets.kv.v2.read_secret_metadata(path="agree/DEL", mount_point="secret")["data"]["versions"]["1"]["destroyed"]))',
    );
    assert.equal(meta, true);
  });

  test('a mount whose config requires CAS refuses a write without it, for both clients', async () => {
    const strict = new VaultFake({ tokens: { [TOKEN]: 'root' } });
    await strict.start();
    const c = new VaultClient({ address: strict.address, auth: { token: TOKEN }, backoffMs: 0 });
    try {
      await c.call('POST', 'secret/config', { cas_required: true });
      await assert.rejects(c.kvWrite('secret', 'x/A', { value: CANARY }), (e: unknown) => {
        assert.ok(e instanceof VaultError);
        assert.equal(e.status, 400);
        assert.doesNotMatch(e.message, new RegExp(CANARY));
        return true;
      });
      assert.deepEqual(await c.kvWrite('secret', 'x/A', { value: CANARY }, 0), { version: 1 });
      const r = await hvac(
        strict.address,
        'try:\n    client.secrets.kv.v2.create_or_update_secret(path="x/B", secret={"value": "zzzz"}, mount_point="secret")\n    print(json.dumps("written"))\nexcept hvac.exceptions.InvalidRequest as e:\n    print(json.dumps(str(e)))',
      );
      assert.match(String(r), /check-and-set parameter required/);
    } finally {
      c.close();
      await strict.stop();
    }
  });

  test('many parallel reads over a bounded number of connections', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `bulk/K${i}`);
    await mapLimit(names, 16, (n, i) => client.kvWrite('secret', n, { value: `value-${i}` }));
    const back = await mapLimit(names, 16, (n) => client.kvRead('secret', n));
    assert.deepEqual(
      back.map((b) => b?.data.value),
      names.map((_, i) => `value-${i}`),
    );
  });
});

describe('Vault client faults', () => {
  test('5xx and 429 are retried a bounded number of times, then reported with the path', async () => {
    const fake = new VaultFake({ tokens: { [TOKEN]: 'root' } });
    await fake.start();
    const retries: string[] = [];
    const c = new VaultClient({
      address: fake.address,
      auth: { token: TOKEN },
      backoffMs: 0,
      maxRetries: 3,
      onRetry: (_n, why) => retries.push(why),
    });
    try {
      await c.kvWrite('secret', 'r/A', { value: CANARY });
      fake.faults.push({
        match: (m) => m === 'GET',
        action: { status: 503, body: { errors: ['Vault is sealed'] } },
        times: 2,
      });
      fake.faults.push({
        match: (m) => m === 'GET',
        action: { status: 429, body: { errors: ['request path "x": rate limit quota exceeded'] } },
        times: 1,
      });
      assert.deepEqual((await c.kvRead('secret', 'r/A'))?.data, { value: CANARY });
      assert.deepEqual(retries, ['HTTP 503', 'HTTP 503', 'HTTP 429']);
      retries.length = 0;
      fake.faults.push({ match: (m) => m === 'GET', action: { status: 500, body: { errors: ['internal error'] } } });
      await assert.rejects(c.kvRead('secret', 'r/A'), (e: unknown) => {
        assert.ok(e instanceof VaultError);
        assert.equal(e.status, 500);
        assert.match(e.message, /secret\/data\/r\/A/);
        return true;
      });
      assert.equal(retries.length, 3, 'exactly maxRetries retries, then the error');
    } finally {
      c.close();
      await fake.stop();
    }
  });

  test('a reset connection is retried; a server that never answers times out with a clear error', async () => {
    const fake = new VaultFake({ tokens: { [TOKEN]: 'root' } });
    await fake.start();
    const retries: string[] = [];
    const c = new VaultClient({
      address: fake.address,
      auth: { token: TOKEN },
      backoffMs: 0,
      maxRetries: 1,
      onRetry: (_n, why) => retries.push(why),
    });
    // Only this client has a short timeout, and only requests that are never answered meet it.
    const impatient = new VaultClient({
      address: fake.address,
      auth: { token: TOKEN },
      backoffMs: 0,
      maxRetries: 1,
      timeoutMs: 300,
    });
    try {
      await c.kvWrite('secret', 'r/B', { value: CANARY });
      fake.faults.push({ match: (m) => m === 'GET', action: 'reset', times: 1 });
      assert.deepEqual((await c.kvRead('secret', 'r/B'))?.data, { value: CANARY });
      assert.deepEqual(retries, ['ECONNRESET']);
      fake.faults.push({ match: (m) => m === 'GET', action: 'hang' });
      await assert.rejects(impatient.kvRead('secret', 'r/B'), /timed out \(2 attempts\)/);
    } finally {
      c.close();
      impatient.close();
      await fake.stop();
    }
  });

  test('connection refused names the address and the path, never the token', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const c = new VaultClient({
      address: `http://127.0.0.1:${port}`,
      auth: { token: TOKEN },
      backoffMs: 0,
      maxRetries: 2,
    });
    await assert.rejects(c.kvRead('secret', 'app/X'), (e: unknown) => {
      assert.ok(e instanceof VaultError);
      assert.match(e.message, new RegExp(`127.0.0.1:${port}.*secret/data/app/X.*connection refused \\(3 attempts\\)`));
      assert.doesNotMatch(`${e.message} ${e.hint} ${e.stack}`, new RegExp(TOKEN));
      return true;
    });
    c.close();
  });

  test('an error body that echoes the request never carries the value or the token', async () => {
    const fake = new VaultFake({ tokens: { [TOKEN]: 'root' } });
    await fake.start();
    const c = new VaultClient({ address: fake.address, auth: { token: TOKEN }, backoffMs: 0, maxRetries: 0 });
    try {
      fake.faults.push({
        match: (m) => m === 'POST',
        action: { status: 400, body: { errors: [`bad request: {"data":{"value":"${CANARY}"}} token=${TOKEN}`] } },
      });
      await assert.rejects(c.kvWrite('secret', 'echo/A', { value: CANARY }), (e: unknown) => {
        assert.ok(e instanceof VaultError);
        const all = `${e.message} ${e.hint ?? ''} ${e.stack ?? ''}`;
        assert.doesNotMatch(all, new RegExp(CANARY));
        assert.doesNotMatch(all, new RegExp(TOKEN));
        assert.match(e.message, /secret\/data\/echo\/A/);
        return true;
      });
      // A short value cannot be masked reliably: the server's text is withheld.
      fake.faults.length = 0;
      fake.faults.push({ match: (m) => m === 'POST', action: { status: 400, body: { errors: ['bad: abc'] } } });
      await assert.rejects(c.kvWrite('secret', 'echo/B', { value: 'abc' }), (e: unknown) => {
        assert.doesNotMatch((e as Error).message, /abc/);
        return true;
      });
    } finally {
      c.close();
      await fake.stop();
    }
  });

  test('permission denied names the path and the policy, never the token', async () => {
    const fake = new VaultFake({ tokens: { [TOKEN]: [{ path: 'secret/data/app/prod/ONE', capabilities: ['read'] }] } });
    await fake.start();
    const c = new VaultClient({ address: fake.address, auth: { token: TOKEN }, backoffMs: 0 });
    try {
      assert.equal(await c.kvRead('secret', 'app/prod/ONE'), undefined, 'allowed, not there');
      await assert.rejects(c.kvRead('secret', 'app/prod/TWO'), (e: unknown) => {
        assert.ok(e instanceof VaultError);
        assert.equal(e.status, 403);
        assert.match(e.message, /secret\/data\/app\/prod\/TWO/);
        assert.doesNotMatch(`${e.message} ${e.hint}`, new RegExp(TOKEN));
        return true;
      });
      await assert.rejects(c.kvWrite('secret', 'app/prod/ONE', { value: CANARY }), /403/);
    } finally {
      c.close();
      await fake.stop();
    }
  });
});

describe('Vault credentials the standard way', () => {
  test('VAULT_TOKEN, then ~/.vault-token, then AppRole; none is a usage error with a hint', async () => {
    const home = tempDir('envplane-vault-home-');
    assert.throws(() => vaultSettingsFromEnv({ HOME: home, VAULT_ADDR: 'http://127.0.0.1:1' }), /no Vault credentials/);
    writeFileSync(join(home, '.vault-token'), `${TOKEN}\n`, { mode: 0o600 });
    assert.deepEqual(vaultSettingsFromEnv({ HOME: home, VAULT_ADDR: 'http://127.0.0.1:1' }).auth, { token: TOKEN });
    assert.deepEqual(
      vaultSettingsFromEnv({ HOME: home, VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'hvs.env' }).auth,
      { token: 'hvs.env' },
    );
    const empty = tempDir('envplane-vault-home-');
    mkdirSync(join(empty, 'x'));
    assert.deepEqual(
      vaultSettingsFromEnv({ HOME: empty, VAULT_ADDR: 'http://127.0.0.1:1', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's' })
        .auth,
      {
        roleId: 'r',
        secretId: 's',
      },
    );
    assert.throws(() => vaultSettingsFromEnv({ HOME: home }), /no Vault address/);
    assert.throws(
      () => vaultSettingsFromEnv({ HOME: home, VAULT_ADDR: `http://user:${TOKEN}@127.0.0.1:1` }),
      (e: unknown) => {
        assert.match((e as Error).message, /carries credentials/);
        assert.doesNotMatch((e as Error).message, new RegExp(TOKEN));
        return true;
      },
    );
  });

  test('AppRole login issues the token the calls use; the namespace header selects the namespace', async () => {
    const fake = new VaultFake({
      tokens: {},
      appRoles: { 'role-1': { secretId: 'secret-id-xyz', policy: 'root' } },
      namespaces: ['team-a'],
    });
    await fake.start();
    const env = {
      HOME: tempDir('envplane-vault-home-'),
      VAULT_ADDR: fake.address,
      VAULT_ROLE_ID: 'role-1',
      VAULT_SECRET_ID: 'secret-id-xyz',
      VAULT_NAMESPACE: 'team-a',
      ENVPLANE_RETRY_BACKOFF_MS: '0',
    };
    const c = new VaultClient(vaultSettingsFromEnv(env));
    try {
      await c.kvWrite('secret', 'ns/A', { value: CANARY });
      assert.deepEqual(fake.stored('secret', 'ns/A', 'team-a')?.data, { value: CANARY });
      assert.equal(fake.stored('secret', 'ns/A'), undefined, 'the root namespace is untouched');
      assert.equal(fake.log.filter((l) => l.path === '/v1/auth/approle/login').length, 1, 'one login for many calls');
      await c.kvRead('secret', 'ns/A');
      assert.equal(fake.log.filter((l) => l.path === '/v1/auth/approle/login').length, 1);
      const bad = new VaultClient(vaultSettingsFromEnv({ ...env, VAULT_SECRET_ID: 'wrong-secret-id' }));
      await assert.rejects(bad.kvRead('secret', 'ns/A'), (e: unknown) => {
        assert.match((e as Error).message, /AppRole login/);
        assert.doesNotMatch((e as Error).message, /wrong-secret-id/);
        return true;
      });
      bad.close();
    } finally {
      c.close();
      await fake.stop();
    }
  });
});
