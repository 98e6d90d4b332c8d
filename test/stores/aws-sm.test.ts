/**
 * envplane's AWS Secrets Manager wrapper (the official SDK) against a real emulator, moto_server, and boto3 (the
 * same Python's) as the second client: staged writes under ENVPLANE_STAGED, AWSCURRENT moved only from the expected
 * version (two racing writers: one wins, one conflicts), unchanged re-runs, batch reads, errors without values.
 * boto3 names VersionStage="AWSCURRENT" where it reads after a stage move: moto 5.2 answers a bare GetSecretValue
 * with the version current before UpdateSecretVersionStage (AWS does not; envplane names the stage too).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AwsError, AwsSecrets, STAGING_LABEL } from '../../src/stores/kinds/_aws-sm.ts';
import { type Moto, startMoto } from './_moto.ts';

const CANARY = 'cAnArY-aws-7d1e0b3a';

async function boto3(moto: Moto, program: string, input: unknown = {}): Promise<unknown> {
  const child = spawn(
    'python3',
    ['-c', `import boto3, json, sys\nsm = boto3.client("secretsmanager")\nargs = json.load(sys.stdin)\n${program}`],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...moto.env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdin.end(JSON.stringify(input));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `boto3 failed: ${stderr}`);
  return stdout.trim() === '' ? undefined : JSON.parse(stdout);
}

describe('AWS Secrets Manager through the SDK, against moto_server', () => {
  let moto: Moto;
  let sm: AwsSecrets;
  const saved = { ...process.env };
  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
    sm = new AwsSecrets({ region: 'us-east-1' });
  });
  after(async () => {
    sm.close();
    await moto.stop();
    for (const k of Object.keys(moto.env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test('create, unchanged re-run, staged update moving AWSCURRENT from the expected version', async () => {
    assert.equal(await sm.get('app/prod/DB'), undefined);
    const first = await sm.write('app/prod/DB', CANARY, undefined);
    assert.equal(first.status, 'ok');
    const v1 = first.status === 'ok' ? first.versionId : '';
    assert.deepEqual(await sm.get('app/prod/DB'), { value: CANARY, versionId: v1 });
    assert.deepEqual(await sm.write('app/prod/DB', CANARY, v1), { status: 'unchanged', versionId: v1 });
    const second = await sm.write('app/prod/DB', `${CANARY}-2`, v1);
    assert.equal(second.status, 'ok');
    const d = await sm.describe('app/prod/DB');
    const v2 = second.status === 'ok' ? second.versionId : '';
    assert.equal(d?.current, v2);
    assert.deepEqual(d?.versions[v2], ['AWSCURRENT'], 'the staging label is removed once AWSCURRENT moved');
    assert.deepEqual(d?.versions[v1], ['AWSPREVIOUS']);
    assert.ok(!Object.values(d?.versions ?? {}).some((s) => s.includes('AWSPENDING')), 'AWSPENDING is never used');
  });

  test('a stale expected version is a conflict and changes nothing', async () => {
    const a = await sm.write('app/prod/STALE', 'first-value', undefined);
    const v1 = a.status === 'ok' ? a.versionId : '';
    const b = await sm.write('app/prod/STALE', 'second-value', v1);
    assert.equal(b.status, 'ok');
    const c = await sm.write('app/prod/STALE', 'third-value', v1);
    assert.equal(c.status, 'conflict');
    assert.equal((await sm.get('app/prod/STALE'))?.value, 'second-value');
    assert.equal(
      (await sm.write('app/prod/STALE', 'x-value', undefined)).status,
      'conflict',
      'create over an existing secret',
    );
    assert.equal(
      (await sm.write('app/prod/NOPE', 'x-value', 'some-version')).status,
      'conflict',
      'update of a missing secret',
    );
  });

  test('two pushers racing from the same version: one wins, the other gets a conflict; boto3 sees the winner', async () => {
    const a = await sm.write('app/prod/RACE', 'base-value', undefined);
    const base = a.status === 'ok' ? a.versionId : '';
    const other = new AwsSecrets({ region: 'us-east-1' });
    const results = await Promise.all([
      sm.write('app/prod/RACE', 'from-one', base),
      other.write('app/prod/RACE', 'from-two', base),
    ]);
    other.close();
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, ['conflict', 'ok']);
    const winner = results[0]?.status === 'ok' ? 'from-one' : 'from-two';
    const seen = (await boto3(
      moto,
      'print(json.dumps(sm.get_secret_value(SecretId="app/prod/RACE", VersionStage="AWSCURRENT")["SecretString"]))',
    )) as string;
    assert.equal(seen, winner);
    const stages = (await boto3(
      moto,
      'print(json.dumps(sm.describe_secret(SecretId="app/prod/RACE")["VersionIdsToStages"]))',
    )) as Record<string, string[]>;
    const labels = Object.values(stages).flat();
    assert.equal(labels.filter((l) => l === 'AWSCURRENT').length, 1);
    assert.ok(labels.includes('AWSPREVIOUS'));
    // The loser's version may remain staged (unused): it never became current.
    assert.ok(labels.filter((l) => l === STAGING_LABEL).length <= 1);
  });

  test('boto3 writes, envplane reads; envplane writes, boto3 reads; with a KMS key id passed through', async () => {
    await boto3(moto, 'sm.create_secret(Name="app/prod/FROM_BOTO", SecretString=args["v"])', { v: CANARY });
    assert.equal((await sm.get('app/prod/FROM_BOTO'))?.value, CANARY);
    await sm.write('app/prod/WITH_KMS', 'kms-value', undefined, { kmsKeyId: 'alias/envplane-test' });
    const seen = (await boto3(
      moto,
      'd = sm.describe_secret(SecretId="app/prod/WITH_KMS")\nprint(json.dumps([sm.get_secret_value(SecretId="app/prod/WITH_KMS")["SecretString"], d.get("KmsKeyId")]))',
    )) as string[];
    assert.deepEqual(seen, ['kms-value', 'alias/envplane-test']);
  });

  test('getMany reads 45 secrets in batches of 20 and leaves missing ones out', async () => {
    const names = Array.from({ length: 45 }, (_, i) => `bulk/S${i}`);
    for (const [i, n] of names.entries()) if (i % 9 !== 0) await sm.write(n, `value-${i}`, undefined);
    const got = await sm.getMany([...names, 'bulk/NEVER']);
    assert.equal(got.size, 40);
    for (const [i, n] of names.entries()) assert.equal(got.get(n)?.value, i % 9 === 0 ? undefined : `value-${i}`);
  });

  test('list finds the names under a prefix with their change dates', async () => {
    await sm.write('listing/a/ONE', 'v-one-1', undefined);
    await sm.write('listing/a/TWO', 'v-two-2', undefined);
    await sm.write('listing/b/THREE', 'v-three-3', undefined);
    const names = (await sm.list('listing/a/')).map((s) => s.name).sort();
    assert.deepEqual(names, ['listing/a/ONE', 'listing/a/TWO']);
  });
});

describe('AWS errors', () => {
  test('connection refused names the secret and the call, never a credential', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'AKIDCANARYKEY0000',
      AWS_SECRET_ACCESS_KEY: 'cAnArY-secret-access-key',
      AWS_REGION: 'us-east-1',
    });
    const sm = new AwsSecrets({ region: 'us-east-1', maxAttempts: 2 });
    try {
      await assert.rejects(sm.get('app/prod/X'), (e: unknown) => {
        assert.ok(e instanceof AwsError);
        assert.match(e.message, /GetSecretValue app\/prod\/X: network error ECONNREFUSED/);
        const all = `${e.message} ${e.hint ?? ''} ${e.stack ?? ''}`;
        assert.doesNotMatch(all, /cAnArY-secret-access-key|AKIDCANARYKEY/);
        return true;
      });
    } finally {
      sm.close();
      for (const k of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
