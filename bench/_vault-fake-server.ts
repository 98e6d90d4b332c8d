/**
 * The wire-level Vault fake as its own process for the benchmarks (they time commands synchronously, which would
 * block a fake in the same process). Prints its address on the first line; stops when stdin closes.
 */
import { VaultFake } from '../test/stores/_vault-fake.ts';

const fake = new VaultFake({ tokens: { [process.env.BENCH_VAULT_TOKEN ?? 'bench-token']: 'root' } });
await fake.start();
process.stdout.write(`${fake.address}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void fake.stop().then(() => process.exit(0));
});
