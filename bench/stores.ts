/**
 * `run -- node -e 0` with the environment's store in Vault (the wire-level fake, in its own process on 127.0.0.1)
 * beside the same run on a files store, interleaved in one loop. Target (issue 17): within 20 ms.
 * Run alone with `node --import tsx bench/stores.ts` (after `npm run build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, type Row, timeCommands } from './_measure.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 21;
const TOKEN = 'bench-token';
const SECRETS = ['DB_PASSWORD', 'SESSION_KEY', 'API_TOKEN', 'SMTP_PASSWORD', 'SIGNING_KEY'];

function manifest(store: string): string {
  return [
    'project: bench',
    'environments:',
    '  production:',
    `    secrets: ${store}`,
    'keys:',
    ...SECRETS.map((s) => `  ${s}: { plane: secret }`),
    'services:',
    `  api: { uses: [${SECRETS.join(', ')}] }`,
    '',
  ].join('\n');
}

export async function benchStores(): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 'envplane-bench-stores-'));
  const server = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', '_vault-fake-server.ts')], {
    env: { ...process.env, BENCH_VAULT_TOKEN: TOKEN },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', resolve);
      server.once('exit', (code) => reject(new Error(`the Vault fake exited (${code})`)));
    });
    const filesDir = join(root, 'files');
    const vaultDir = join(root, 'vault');
    mkdirSync(join(filesDir, 'secrets'), { recursive: true });
    mkdirSync(vaultDir);
    writeFileSync(join(filesDir, 'envplane.yaml'), manifest('{ store: files }'));
    writeFileSync(join(vaultDir, 'envplane.yaml'), manifest('{ store: vault, mount: secret }'));
    const values = Object.fromEntries(SECRETS.map((s) => [s, randomBytes(32).toString('base64')]));
    for (const s of SECRETS) writeFileSync(join(filesDir, 'secrets', `${s}.txt`), `${values[s]}\n`, { mode: 0o600 });
    for (const s of SECRETS) {
      const r = await fetch(`${address}/v1/secret/data/bench/production/${s}`, {
        method: 'POST',
        headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ data: { value: values[s] } }),
      });
      if (r.status !== 200) throw new Error(`seeding the fake: HTTP ${r.status}`);
    }
    const node = process.execPath;
    const cli = join(REPO, 'dist', 'cli.cjs');
    const run = [node, cli, 'run', '--env', 'production', '--service', 'api', '--', node, '-e', '0'];
    const cache = { XDG_CACHE_HOME: join(root, '.cache') };
    const vaultEnv = { ...cache, VAULT_ADDR: address, VAULT_TOKEN: TOKEN };
    // Warm the caches as a user's are after the first run (and prove both runs work before timing them).
    for (const [cwd, env] of [
      [filesDir, cache],
      [vaultDir, vaultEnv],
    ] as const) {
      const r = spawnSync(run[0]!, run.slice(1), { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench run failed in ${cwd}: ${r.stderr}`);
    }
    // timeCommands is synchronous, and the fake answers from its own process, so nothing waits on this one.
    const samples = timeCommands(
      [
        { name: 'envplane run, vault store (local fake)', argv: run, cwd: vaultDir, env: vaultEnv },
        { name: 'envplane run, files store', argv: run, cwd: filesDir, env: cache },
      ],
      RUNS,
    );
    const [vault, files] = samples as [(typeof samples)[0], (typeof samples)[0]];
    const delta = median(vault.ms) - median(files.ms);
    return [
      {
        benchmark: '`run -- node -e 0` with 5 secrets: Vault store vs files store',
        ours: vault,
        peers: [files],
        notes: [
          `vault − files = ${delta.toFixed(1)} ms (target ≤ 20 ms: ${delta <= 20 ? 'met' : 'NOT met'})`,
          `${RUNS} interleaved runs each; the Vault fake answers on 127.0.0.1 from its own process`,
        ],
      },
    ];
  } finally {
    server.stdin?.end();
    server.kill('SIGTERM');
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchStores()) {
    const line = (s: { name: string; ms: number[] }) => `${s.name.padEnd(40)} median ${median(s.ms).toFixed(1)} ms`;
    process.stdout.write(`${row.benchmark}\n  ${line(row.ours)}\n${row.peers.map((p) => `  ${line(p)}`).join('\n')}\n`);
    for (const note of row.notes ?? []) process.stdout.write(`  ${note}\n`);
  }
}
