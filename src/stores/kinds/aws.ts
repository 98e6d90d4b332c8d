/**
 * The `aws` store: AWS Secrets Manager, one secret per secret (docs/stores/aws.md). The SDK (~55 ms to load) loads
 * only when an environment that uses it is read or written.
 */
import type { StoreInfo, StoreLocation } from '../types.ts';

export const awsStore: StoreInfo = {
  describe: (location: StoreLocation) =>
    location.kind === 'store' ? `aws secret ${location.ref}` : String(location.kind),
  credentials: ['AWS_*'],
  open: async () => (await import('./_aws-store.ts')).store,
};
