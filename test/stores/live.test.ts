/**
 * Live suites: against a real Vault when VAULT_ADDR is set (a dev server: `vault server -dev`), against a real AWS
 * account when AWS_PROFILE is set. In CI neither is set and the fakes run instead (test/stores/vault-client.test.ts
 * with the wire-level KV v2 fake and python3-hvac, test/stores/aws-sm.test.ts with moto_server and boto3): each test
 * here says which ran, on the test output, never silently.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AwsSecrets } from '../../src/stores/kinds/_aws-sm.ts';
import { VaultClient, vaultSettingsFromEnv } from '../../src/stores/kinds/_vault-client.ts';
import { REPO } from '../_helpers.ts';

const say = (line: string) => process.stdout.write(`# ${line}\n`);

test('live Vault (VAULT_ADDR): KV v2 write, read, CAS conflict, delete of a scratch entry', async (t) => {
  if (!process.env.VAULT_ADDR) {
    const msg =
      'live Vault suite NOT RUN: VAULT_ADDR is not set; the wire-level fake ran instead (test/stores/vault-client.test.ts)';
    t.diagnostic(msg);
    say(msg);
    assert.ok(existsSync(join(REPO, 'test', 'stores', 'vault-client.test.ts')));
    return;
  }
  const mount = process.env.ENVPLANE_LIVE_VAULT_MOUNT ?? 'secret';
  say(`live Vault suite RUNS against ${process.env.VAULT_ADDR} (mount ${mount})`);
  const c = new VaultClient(vaultSettingsFromEnv(process.env));
  // unseeded: a real Vault or AWS account is shared with other runs; names and values must not collide.
  const path = `envplane-live-test/${randomBytes(6).toString('hex')}`;
  try {
    assert.deepEqual(await c.mountOf(`${mount}/${path}`), { mount, version: 2 });
    // unseeded: a real Vault or AWS account is shared with other runs; names and values must not collide.
    const value = randomBytes(16).toString('base64');
    assert.deepEqual(await c.kvWrite(mount, path, { value }, 0), { version: 1 });
    assert.deepEqual(await c.kvWrite(mount, path, { value: 'other' }, 0), { conflict: true });
    assert.equal((await c.kvRead(mount, path))?.data.value, value);
  } finally {
    await c.call('DELETE', `${mount}/metadata/${path}`);
    c.close();
  }
});

test('live AWS (AWS_PROFILE): Secrets Manager reads through the default provider chain (read-only)', async (t) => {
  if (!process.env.AWS_PROFILE) {
    const msg = 'live AWS suite NOT RUN: AWS_PROFILE is not set; moto_server ran instead (test/stores/aws-sm.test.ts)';
    t.diagnostic(msg);
    say(msg);
    assert.ok(existsSync(join(REPO, 'test', 'stores', 'aws-sm.test.ts')));
    return;
  }
  say(`live AWS suite RUNS with profile ${process.env.AWS_PROFILE} (read-only: nothing is created)`);
  const sm = new AwsSecrets(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {});
  try {
    // unseeded: a real Vault or AWS account is shared with other runs; names and values must not collide.
    const name = `envplane-live-test/${randomBytes(6).toString('hex')}`;
    assert.equal(await sm.get(name), undefined);
    assert.equal((await sm.getMany([name])).size, 0);
    assert.ok(Array.isArray(await sm.list('envplane-live-test/')));
  } finally {
    sm.close();
  }
});
