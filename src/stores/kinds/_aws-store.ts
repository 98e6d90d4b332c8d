/**
 * The working half of the `aws` store: an instance's secrets in as few BatchGetSecretValue calls as the API allows,
 * new secrets created with the store's KMS key (setup never overwrites one someone else created).
 */
import { EnvplaneError } from '../../errors.ts';
import type { Store, StoreEntry, StoreScope } from '../types.ts';
import { AwsSecrets } from './_aws-sm.ts';
import { mapLimit } from './_vault-client.ts';

function open(scope: StoreScope): { sm: AwsSecrets; kmsKeyId: string | undefined } {
  const s = scope.environment.secrets;
  if (s.kind !== 'aws') throw new Error('aws store: asked about another store');
  return { sm: new AwsSecrets(s.region !== undefined ? { region: s.region } : {}), kmsKeyId: s.kmsKeyId };
}

function refOf(entry: StoreEntry): string {
  if (entry.location.kind !== 'store' || entry.location.store !== 'aws')
    throw new Error('aws store: not an aws location');
  return entry.location.ref;
}

export const store: Store = {
  async read(scope, entries) {
    if (entries.length === 0) return [];
    const { sm } = open(scope);
    try {
      const got = await sm.getMany(entries.map(refOf));
      return entries.map((e) => {
        const v = got.get(refOf(e))?.value;
        return v === '' ? undefined : v;
      });
    } finally {
      sm.close();
    }
  },
  async write(scope, writes) {
    const { sm, kmsKeyId } = open(scope);
    try {
      await mapLimit(writes, 8, async ({ entry, value }) => {
        const r = await sm.write(refOf(entry), value, undefined, kmsKeyId ? { kmsKeyId } : {});
        if (r.status === 'conflict')
          throw new EnvplaneError('failure', `the AWS secret ${refOf(entry)} already exists`, {
            hint: 'someone created it meanwhile; `envplane check --stores` shows what is there',
          });
      });
    } finally {
      sm.close();
    }
  },
  async facts(scope, entries) {
    if (entries.length === 0) return [];
    const { sm } = open(scope);
    try {
      return await mapLimit(entries, 8, async (e) => {
        const d = await sm.describe(refOf(e));
        const changed = d?.lastChanged ?? d?.created;
        return {
          exists: d?.current !== undefined,
          ...(d?.current !== undefined && changed ? { ageDays: (Date.now() - changed.getTime()) / 86_400_000 } : {}),
        };
      });
    } finally {
      sm.close();
    }
  },
};
