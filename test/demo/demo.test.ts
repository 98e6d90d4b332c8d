/**
 * `npm start`'s demo, run for real: it must finish (exit 0), its isolation table must match what the manifest of
 * examples/service-scoped says (each tenant's worker gets its own secrets and is refused the other tenants', the
 * frontend gets none), its migration must have run against a real PostgreSQL (this test FAILS when PostgreSQL is
 * not installed: Debian package `postgresql`), no secret value may appear in its output, and afterwards nothing it
 * started may still run and nothing it created may still be on disk.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseDotenv } from '../../src/dotenv/index.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import { CLI, REPO, tempDir } from '../_helpers.ts';

interface Cell {
  instance: string;
  secret: string;
  verdict: string;
  detail: string;
  direct?: string;
}

interface Summary {
  ok: boolean;
  error?: string;
  steps: { id: string; status: string; detail: string }[];
  available: Record<string, boolean>;
  instances: Record<string, { pid: number; env: string[]; secretFiles: string[]; fileVars: Record<string, string> }>;
  table: Cell[];
  migration?: {
    ran: boolean;
    applied?: string[];
    versions?: string[];
    recordedByServer?: string[];
    server?: string;
    clusterDir?: string;
  };
  compose?: { service: string; mounts: { source: string; target: string }[] }[];
  pids: number[];
  temporary: string[];
}

const EXAMPLE = join(REPO, 'examples', 'service-scoped');
const manifest = parseManifest(readFileSync(join(EXAMPLE, 'envplane.yaml'), 'utf8'), 'envplane.yaml');
const tenants = manifest.tenants;
const perTenantSecrets = Object.values(manifest.keys)
  .filter((k) => k.plane === 'secret' && k.perTenant)
  .map((k) => k.name);
const sharedSecrets = Object.values(manifest.keys)
  .filter((k) => k.plane === 'secret' && !k.perTenant)
  .map((k) => k.name);

let summary: Summary;
let output: string;
let status: number | null;

/** The seed's secret values (8 characters or more) from the example's env files: canaries for every channel. */
function seedSecrets(): string[] {
  const secretNames = new Set([...perTenantSecrets, ...sharedSecrets]);
  const values: string[] = [];
  for (const file of readdirSync(EXAMPLE).filter((f) => f.startsWith('.env') && !f.endsWith('.example'))) {
    const parsed = parseDotenv(readFileSync(join(EXAMPLE, file), 'utf8'), { file });
    for (const [key, value] of Object.entries(parsed))
      if (secretNames.has(key) && value.length >= 8) values.push(value);
  }
  return values;
}

/**
 * The command lines of `root` and all its descendants (other engineers' tests share this machine), read from
 * /proc; returns the pids whose command line contains one of `values`.
 */
function argvHits(root: number, values: string[]): string[] {
  const parent = new Map<number, number>();
  const cmdlines = new Map<number, string>();
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmdlines.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
    } catch {
      // the process ended between the listing and the read
    }
  }
  const descends = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = parent.get(p);
    }
    return false;
  };
  return [...cmdlines]
    .filter(([pid, cmdline]) => descends(pid) && values.some((v) => cmdline.includes(v)))
    .map(([pid]) => `pid ${pid}`);
}

let argvSamples = 0;
const argvLeaks: string[] = [];

before(async () => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const file = join(tempDir('envplane-demo-test-'), 'summary.json');
  const canaries = seedSecrets();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'demo.ts'), '--json-summary', file], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  // While the demo runs, look at the command lines of all its processes for the seed's secrets (invariant 2: argv
  // is visible to every user through ps).
  const sampler = setInterval(() => {
    argvSamples++;
    if (child.pid !== undefined) argvLeaks.push(...argvHits(child.pid, canaries));
  }, 100);
  const killer = setTimeout(() => child.kill('SIGKILL'), 900_000); // a hang guard only, never an assertion
  status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearInterval(sampler);
  clearTimeout(killer);
  output = text;
  assert.ok(existsSync(file), `the demo wrote no summary (exit ${status}):\n${output.slice(-3000)}`);
  summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
});

function cell(instance: string, secret: string): Cell {
  const found = summary.table.find((c) => c.instance === instance && c.secret === secret);
  assert.ok(found, `no table cell for ${instance} × ${secret}`);
  return found;
}

describe('npm start (scripts/demo.ts)', () => {
  test('finishes with exit 0 and no failed step', () => {
    assert.equal(status, 0, `demo exited ${status}:\n${output.slice(-4000)}`);
    assert.equal(summary.ok, true);
    assert.deepEqual(
      summary.steps.filter((s) => s.status === 'failed'),
      [],
    );
  });

  test('a step is reported unavailable only when its command really is missing from the CLI', () => {
    for (const [command, has] of Object.entries(summary.available)) {
      const r = spawnSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
      assert.equal(
        r.status === 0,
        has,
        `envplane ${command} --help exited ${r.status}; the demo said available=${has}`,
      );
    }
    for (const step of summary.steps.filter((s) => s.status === 'unavailable'))
      assert.ok(
        Object.values(summary.available).includes(false),
        `${step.id} is unavailable, yet every command exists`,
      );
    const isolation = summary.steps.find((s) => s.id === 'isolation');
    assert.equal(isolation?.status, 'ok', 'the isolation step must run (envplane run has landed)');
  });

  test('every tenant worker is granted its own secrets and blocked from every other tenant’s', () => {
    assert.ok(
      tenants.length >= 2 && perTenantSecrets.length > 0,
      'the example must have tenants and per-tenant secrets',
    );
    for (const tenant of tenants) {
      const worker = `etl@${tenant}`;
      for (const owner of tenants)
        for (const name of perTenantSecrets) {
          const c = cell(worker, `${owner}/${name}`);
          if (owner === tenant) assert.equal(c.verdict, 'granted', `${worker} must hold ${owner}/${name}: ${c.detail}`);
          else {
            assert.equal(c.verdict, 'blocked', `${worker} must not reach ${owner}/${name}: ${c.detail}`);
            assert.match(c.detail, /ENOENT|no secrets dir|read other/, `${worker} tried ${owner}/${name}`);
            // The direct read of the store path is reported as it is, whatever it returned (same user locally).
            assert.ok(c.direct, `${worker} × ${owner}/${name}: no report of the direct read of the store path`);
          }
        }
      // A worker's secret files carry the key names only, the same for every tenant.
      const seen = summary.instances[worker];
      assert.ok(seen, `no report from ${worker}`);
      for (const name of perTenantSecrets) assert.ok(seen.secretFiles.includes(name), `${worker} lacks ${name}`);
      assert.ok(
        seen.env.includes('CLIENT_NAME') && !seen.env.some((n) => perTenantSecrets.includes(n)),
        `${worker} env: ${seen.env.join(' ')}`,
      );
    }
  });

  test('the frontend gets no secret at all, and only its public keys', () => {
    for (const c of summary.table.filter((x) => x.instance === 'frontend'))
      assert.equal(c.verdict, 'not given', `frontend × ${c.secret}: ${c.detail}`);
    const frontend = summary.instances.frontend;
    assert.ok(frontend, 'no report from the frontend build');
    assert.deepEqual(frontend.secretFiles, []);
    assert.deepEqual(frontend.fileVars, {});
    const publicKeys = Object.values(manifest.keys)
      .filter((k) => k.plane === 'public')
      .map((k) => k.name);
    assert.deepEqual(
      frontend.env.filter((n) => n !== 'PATH' && n !== 'HOME').sort(),
      publicKeys.filter((k) => manifest.services.frontend?.uses.includes(k)).sort(),
    );
  });

  test('the backend holds the shared secrets and no tenant’s', () => {
    for (const name of sharedSecrets.filter((n) => manifest.services.backend?.uses.includes(n)))
      assert.equal(cell('backend', name).verdict, 'granted');
    for (const tenant of tenants)
      for (const name of perTenantSecrets) assert.equal(cell('backend', `${tenant}/${name}`).verdict, 'not given');
    assert.equal(
      summary.table.filter((c) => c.verdict === 'LEAK' || c.verdict === 'MISSING').length,
      0,
      'no LEAK or MISSING cell anywhere',
    );
  });

  test('the rendered Compose file, accepted by docker-compose, mounts each tenant’s secrets into its worker only', () => {
    const step = summary.steps.find((s) => s.id === 'render');
    assert.equal(
      step?.status,
      'ok',
      `render step: ${step?.status}: ${step?.detail} (docker-compose is Debian's package)`,
    );
    const compose = summary.compose ?? [];
    for (const tenant of tenants) {
      const worker = compose.find((w) => w.service === `etl-${tenant}`);
      assert.ok(worker, `no Compose service etl-${tenant}`);
      // Same target names for every tenant (tenant-agnostic code), sources that mention this tenant only.
      assert.deepEqual(
        worker.mounts.map((m) => m.target).sort(),
        [...sharedSecrets.filter((n) => manifest.services.etl?.uses.includes(n)), ...perTenantSecrets].sort(),
      );
      for (const mount of worker.mounts.filter((m) => perTenantSecrets.includes(m.target))) {
        assert.ok(mount.source.includes(tenant), `etl-${tenant} mounts ${mount.source}`);
        for (const other of tenants.filter((t) => t !== tenant && !t.includes(tenant)))
          assert.ok(!mount.source.includes(other), `etl-${tenant} mounts ${other}'s ${mount.source}`);
      }
    }
    assert.deepEqual(compose.find((w) => w.service === 'frontend')?.mounts, []);
  });

  test('the migration ran against a real PostgreSQL (install Debian package `postgresql` if this fails)', () => {
    const step = summary.steps.find((s) => s.id === 'database');
    assert.equal(step?.status, 'ok', `database step: ${step?.status}: ${step?.detail}`);
    const m = summary.migration;
    assert.ok(m?.ran, 'the migration did not run');
    assert.match(m.server ?? '', /^\d+(\.\d+)?/, 'the server version comes from the server');
    const files = readdirSync(join(EXAMPLE, 'services', 'backend', 'migrations'))
      .filter((f) => f.endsWith('.sql'))
      .map((f) => f.replace(/\.sql$/, ''))
      .sort();
    assert.deepEqual(m.applied, files, 'a fresh database gets every migration');
    assert.deepEqual(m.recordedByServer, files, 'the server records every version');
  });

  test('no secret value of the example appears in the demo’s output or on any command line while it runs', () => {
    const values = seedSecrets();
    assert.ok(values.length >= 9, `the example's env files hold the seed's secrets (found ${values.length})`);
    for (const value of values) assert.ok(!output.includes(value), 'a secret value of the example was printed');
    // The values generated during the demo (setup, rotate: 32 random bytes, base64) are gone with its folder; their
    // shape is not: no 44-character base64 string may appear in the output.
    assert.doesNotMatch(output, /[A-Za-z0-9+/]{43}=/, 'something shaped like a generated secret was printed');
    assert.ok(argvSamples >= 10, `only ${argvSamples} samples of /proc/*/cmdline`);
    assert.deepEqual(argvLeaks, [], 'a secret value was on a command line');
  });

  test('afterwards nothing it started still runs and nothing it created is left on disk', () => {
    assert.ok(summary.pids.length >= 6, `recorded pids: ${summary.pids.join(' ')}`);
    for (const pid of summary.pids) {
      const cmdline = existsSync(`/proc/${pid}`)
        ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
        : '';
      assert.equal(existsSync(`/proc/${pid}`), false, `pid ${pid} is still running: ${cmdline.slice(0, 120)}`);
    }
    assert.ok(summary.temporary.length > 0);
    for (const dir of [...summary.temporary, ...(summary.migration?.clusterDir ? [summary.migration.clusterDir] : [])])
      assert.equal(existsSync(dir), false, `${dir} is still there`);
    const runDirs = existsSync('/dev/shm') ? readdirSync('/dev/shm') : [];
    for (const pid of summary.pids)
      assert.equal(
        runDirs.filter((d) => d.startsWith(`envplane-run-${pid}-`)).length,
        0,
        `a secrets dir of pid ${pid} is left in /dev/shm`,
      );
  });
});

/** Runs the demo until `marker` shows up in its output, then sends SIGINT, as Ctrl-C would. */
function interruptAt(marker: RegExp): Promise<{ code: number | null; output: string; summary: Summary }> {
  const file = join(tempDir('envplane-demo-int-'), 'summary.json');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'demo.ts'), '--json-summary', file], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let sent = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve, reject) => {
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (!sent && marker.test(output)) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (!sent) return reject(new Error(`the demo ended before ${marker}:\n${output.slice(-2000)}`));
      if (!existsSync(file)) return reject(new Error(`no summary after SIGINT:\n${output.slice(-2000)}`));
      resolve({ code, output, summary: JSON.parse(readFileSync(file, 'utf8')) as Summary });
    });
  });
}

describe('Ctrl-C stops everything the demo started', () => {
  for (const [where, marker] of [
    ['while the services run', /etl@techcorp\s*\| LISTENING/],
    ['while PostgreSQL runs', /listens on 127\.0\.0\.1:\d+/],
  ] as const)
    test(where, async () => {
      const r = await interruptAt(marker);
      assert.equal(r.code, 130, r.output.slice(-2000));
      assert.equal(r.summary.ok, false);
      assert.match(r.summary.error ?? '', /SIGINT/);
      assert.ok(r.summary.pids.length >= 2, `pids: ${r.summary.pids.join(' ')}`);
      for (const pid of r.summary.pids) assert.equal(existsSync(`/proc/${pid}`), false, `pid ${pid} still runs`);
      for (const dir of r.summary.temporary) assert.equal(existsSync(dir), false, `${dir} is still there`);
      const runDirs = existsSync('/dev/shm') ? readdirSync('/dev/shm') : [];
      for (const pid of r.summary.pids)
        assert.equal(
          runDirs.filter((d) => d.startsWith(`envplane-run-${pid}-`)).length,
          0,
          `secrets dir of ${pid} left`,
        );
    });
});
