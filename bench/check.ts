/**
 * `envplane check --json` on generated projects of 10, 100 and 1,000 services (one in ten per tenant, 20 tenants,
 * 3 environments, strong secret files, a git repository), to show that time grows linearly and stays under 2 s at
 * 1,000 services. The peer is `envplane env` for one instance of the same project: the fixed cost of starting and
 * loading, so the ratio shows what checking every instance adds.
 *
 * Peak memory and CPU time: the CLI runs with `--import` of a one-line module that prints
 * `process.resourceUsage()` at exit (`maxRSS` is the kernel's own high-water mark in KB; user + system CPU time), so
 * no polling and no /usr/bin/time is needed. CPU time is reported beside wall time because this machine is shared.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Row, timeCommands } from './_measure.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.cjs');
const TENANTS = Array.from({ length: 20 }, (_, i) => `t${i}`);
const ENVIRONMENTS = ['development', 'staging', 'production'];
const RUNS = 5;
const PROBE = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('maxrss_kb='+u.maxRSS+' cpu_us='+(u.userCPUTime+u.systemCPUTime)+'\\n')})`;

function write(root: string, path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, path), text, { mode });
}

/** A clean project: every rule passes, so `check` exits 0 and the bench times the full work. */
export function generateProject(services: number): string {
  const root = mkdtempSync(join(tmpdir(), `envplane-bench-check-${services}-`));
  const keys: string[] = [
    '  SHARED_HOST: { plane: config, required: true }',
    '  SHARED_PORT: { plane: config, default: "5432" }',
  ];
  const svc: string[] = [];
  const common: string[] = ['SHARED_HOST=db', 'SHARED_PORT=5432'];
  const perEnv: string[] = [];
  const secret = () => `${randomBytes(32).toString('base64')}\n`;
  for (let s = 0; s < services; s++) {
    const perTenant = s % 10 === 0;
    keys.push(`  S${s}_URL: { plane: config, required: true }`, `  S${s}_LEVEL: config`);
    keys.push(`  s${s}_token: { plane: secret, generate: base64:32${perTenant ? ', perTenant: true' : ''} }`);
    common.push(`S${s}_URL=http://s${s}:8080`);
    perEnv.push(`S${s}_LEVEL=info`);
    const uses = `[SHARED_HOST, SHARED_PORT, S${s}_URL, S${s}_LEVEL, s${s}_token]`;
    svc.push(
      perTenant
        ? `  s${s}: { perTenant: true, uses: [${uses.slice(1, -1)}, S${s}_CLIENT], config: [".env.s${s}.{tenant}"] }`
        : `  s${s}: { uses: ${uses} }`,
    );
    if (perTenant) {
      keys.push(`  S${s}_CLIENT: { plane: config, perTenant: true, required: true }`);
      for (const t of TENANTS) write(root, `.env.s${s}.${t}`, `S${s}_CLIENT=${t}\n`);
    }
    for (const e of ENVIRONMENTS) {
      write(root, `secrets-${e}/s${s}_token.txt.example`, 'your-token\n');
      if (!perTenant) write(root, `secrets-${e}/s${s}_token.txt`, secret(), 0o600);
      else for (const t of TENANTS) write(root, `secrets-${e}/${t}/s${s}_token.txt`, secret(), 0o600);
    }
  }
  const environments = ENVIRONMENTS.map(
    (e) =>
      `  ${e}:\n    config: [config/common.env, config/${e}.env]\n    secrets: { store: files, dir: secrets-${e} }`,
  );
  write(
    root,
    'envplane.yaml',
    `project: bench\nenvironments:\n${environments.join('\n')}\ntenants: [${TENANTS.join(', ')}]\nkeys:\n${keys.join('\n')}\nservices:\n${svc.join('\n')}\n`,
  );
  write(root, 'config/common.env', `${common.join('\n')}\n`);
  for (const e of ENVIRONMENTS) write(root, `config/${e}.env`, `${perEnv.join('\n')}\n`);
  write(root, '.gitignore', ENVIRONMENTS.map((e) => `secrets-${e}/**/*.txt\n`).join(''));
  const git = (...args: string[]) => spawnSync('git', ['-C', root, ...args], { stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'bench');
  return root;
}

/** Peak RSS (MB) and CPU time (ms, user + system) of one run: CPU time is what a loaded shared machine distorts least. */
function usage(root: string): { rssMb: number; cpuMs: number } {
  const r = spawnSync(process.execPath, ['--import', PROBE, cli, 'check', '--json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`check failed on the bench project: ${r.stdout.slice(0, 500)}`);
  const m = /maxrss_kb=(\d+) cpu_us=(\d+)/.exec(r.stderr);
  return { rssMb: Number(m?.[1]) / 1024, cpuMs: Number(m?.[2]) / 1000 };
}

export async function benchCheck(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const services of [10, 100, 1000]) {
    const root = generateProject(services);
    try {
      const [ours, peer] = timeCommands(
        [
          { name: 'envplane check --json', argv: [process.execPath, cli, 'check', '--json'], cwd: root },
          {
            name: 'envplane env (one instance)',
            argv: [process.execPath, cli, 'env', '--env', 'development', '--service', 's1', '--json'],
            cwd: root,
          },
        ],
        RUNS,
      );
      const instances = services - services / 10 + (services / 10) * TENANTS.length;
      const runs = Array.from({ length: 3 }, () => usage(root));
      const cpu = median(runs.map((u) => u.cpuMs));
      const rss = Math.max(...runs.map((u) => u.rssMb));
      rows.push({
        benchmark: `check, ${services} services (${instances} instances × ${ENVIRONMENTS.length} environments)`,
        ours: ours!,
        peers: [peer!],
        notes: [
          `CPU ${cpu.toFixed(0)} ms (user+sys, median of 3)`,
          `peak RSS ${rss.toFixed(0)} MB`,
          `${((median(ours!.ms) / (instances * ENVIRONMENTS.length)) * 1000).toFixed(0)} µs per bundle`,
          ...(services === 1000 ? ['target: < 2000 ms'] : []),
        ],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchCheck())
    process.stdout.write(
      `${row.benchmark}: ${median(row.ours.ms).toFixed(0)} ms (min ${Math.min(...row.ours.ms).toFixed(0)}); ${row.peers[0]!.name} ${median(row.peers[0]!.ms).toFixed(0)} ms; ${row.notes?.join('; ')}\n`,
    );
}
