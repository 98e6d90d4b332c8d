/**
 * The working half of the `vault` store: reads an instance's entries in parallel over one connection pool (KV v2
 * has no batch read), writes new entries with `cas: 0` (setup never overwrites a value someone else created).
 */
import { EnvplaneError } from '../../errors.ts';
import type { Store, StoreEntry, StoreScope } from '../types.ts';
import { mapLimit, VaultClient, vaultSettingsFromEnv } from './_vault-client.ts';

const PARALLEL = 16;

function open(scope: StoreScope): { client: VaultClient; mount: string } {
  const s = scope.environment.secrets;
  if (s.kind !== 'vault') throw new Error('vault store: asked about another store');
  const client = new VaultClient(
    vaultSettingsFromEnv(process.env, {
      ...(s.address !== undefined ? { address: s.address } : {}),
      ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
    }),
  );
  return { client, mount: s.mount };
}

function refOf(entry: StoreEntry): string {
  if (entry.location.kind !== 'store' || entry.location.store !== 'vault')
    throw new Error('vault store: not a vault location');
  return entry.location.ref;
}

export const store: Store = {
  async read(scope, entries) {
    if (entries.length === 0) return [];
    const { client, mount } = open(scope);
    try {
      return await mapLimit(entries, PARALLEL, async (e) => {
        const got = await client.kvRead(mount, refOf(e));
        if (got === undefined) return undefined;
        const value = got.data.value;
        if (typeof value !== 'string')
          throw new EnvplaneError('input', `the Vault entry ${mount}/data/${refOf(e)} has no "value" field`, {
            hint: 'envplane keeps each secret as {"value": "…"}; write it so (`vault kv put -mount=… PATH value=…`)',
          });
        return value === '' ? undefined : value;
      });
    } finally {
      client.close();
    }
  },
  async write(scope, writes) {
    const { client, mount } = open(scope);
    try {
      await mapLimit(writes, PARALLEL, async ({ entry, value }) => {
        const r = await client.kvWrite(mount, refOf(entry), { value }, 0);
        if ('conflict' in r)
          throw new EnvplaneError('failure', `the Vault entry ${mount}/data/${refOf(entry)} already exists`, {
            hint: 'someone created it meanwhile; `envplane check --stores` shows what is there',
          });
      });
    } finally {
      client.close();
    }
  },
  async facts(scope, entries) {
    if (entries.length === 0) return [];
    const { client, mount } = open(scope);
    try {
      return await mapLimit(entries, PARALLEL, async (e) => {
        const meta = await client.kvMetadata(mount, refOf(e));
        const current = meta?.versions[String(meta.currentVersion)];
        const exists = current !== undefined && current.deletionTime === '' && !current.destroyed;
        const written = current ? Date.parse(current.createdTime.replace(/(\.\d{3})\d+/, '$1')) : Number.NaN;
        return {
          exists,
          ...(exists && Number.isFinite(written) ? { ageDays: (Date.now() - written) / 86_400_000 } : {}),
        };
      });
    } finally {
      client.close();
    }
  },
};
