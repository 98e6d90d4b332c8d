/**
 * The verdict of `verify --live` on crafted probe reports: the cases a correct `envplane run` never produces (an
 * undeclared variable or file) must still fail, so a regression in `run` cannot pass the proof.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { judge, type Owned, type ProbeReport } from '../../src/rules/_live-view.ts';
import { instanceOf } from '../../src/resolve/instances.ts';
import type { Bundle } from '../../src/resolve/types.ts';

const hex = (v: string) => createHash('sha256').update(v).digest('hex');
const owned = (secret: string, owner: string, value: string, tenant?: string): Owned => ({
  secret,
  owner,
  ...(tenant ? { tenant } : {}),
  digest: Buffer.from(hex(value), 'hex'),
});

const wex: Bundle = {
  environment: 'development',
  instance: instanceOf('etl', 'wex'),
  layers: ['.env.shared', '.env.etl.wex'],
  config: [{ key: 'CLIENT_NAME', plane: 'config', value: 'WEX', source: { kind: 'unset' }, shadowed: [] }],
  secrets: [
    {
      name: 'jira_token',
      tenant: 'wex',
      location: { kind: 'file', path: 'secrets/wex/jira_token.txt' },
      target: '/run/secrets/jira_token',
      fileEnv: 'JIRA_TOKEN_FILE',
      required: true,
    },
  ],
  build: [],
};
const table = [
  owned('jira_token', 'etl@wex', 'wex-token', 'wex'),
  owned('jira_token', 'etl@techcorp', 'techcorp-token', 'techcorp'),
  owned('jwt_secret', 'backend', 'jwt-value'),
];
const report = (env: Record<string, string>, files: Record<string, string>): ProbeReport => ({
  env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, hex(v)])),
  files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, hex(v)])),
  reachable: ['/p/secrets/techcorp/jira_token.txt'],
});
const clean = { PATH: '/bin', HOME: '/h', CLIENT_NAME: 'WEX', JIRA_TOKEN_FILE: '/tmp/x', ENVPLANE_SECRETS_DIR: '/tmp' };

test('exactly the declared names and its own values: ok, host reachability only noted', () => {
  const view = judge(wex, report(clean, { jira_token: 'wex-token' }), table);
  assert.equal(view.ok, true);
  assert.deepEqual(view.hostReadable, ['/p/secrets/techcorp/jira_token.txt']);
});

test('an undeclared variable or secret file fails', () => {
  const env = judge(wex, report({ ...clean, JWT_SECRET: 'x' }, { jira_token: 'wex-token' }), table);
  assert.deepEqual(env.undeclared, ['JWT_SECRET']);
  assert.equal(env.ok, false);
  const file = judge(wex, report(clean, { jira_token: 'wex-token', jwt_secret: 'jwt-value' }), table);
  assert.ok(file.undeclared.includes('file jwt_secret'));
  assert.deepEqual(file.foreign, [{ seenAs: 'file jwt_secret', secret: 'jwt_secret', owner: 'backend' }]);
});

test('another tenant’s value in its own slot, or an undeclared secret’s value in config, fails', () => {
  const crossed = judge(wex, report(clean, { jira_token: 'techcorp-token' }), table);
  assert.deepEqual(crossed.foreign, [{ seenAs: 'file jira_token', secret: 'jira_token', owner: 'etl@techcorp' }]);
  const inConfig = judge(wex, report({ ...clean, CLIENT_NAME: 'jwt-value' }, { jira_token: 'wex-token' }), table);
  assert.deepEqual(inConfig.foreign, [{ seenAs: 'env CLIENT_NAME', secret: 'jwt_secret', owner: 'backend' }]);
});

test('a probe that could not run fails with the reason', () => {
  const view = judge(wex, 'error: missing required secret(s): jira_token (secrets/wex/jira_token.txt)', table);
  assert.equal(view.ok, false);
  assert.match(view.error!, /missing required secret/);
});
