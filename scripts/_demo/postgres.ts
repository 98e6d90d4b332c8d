/**
 * A throwaway PostgreSQL cluster for the migration step: found on this machine (PATH, Debian's
 * /usr/lib/postgresql/<version>/bin, /usr/local/bin), created in its own temporary folder, started on a free
 * loopback port with its socket in that folder, and removed afterwards.
 *
 * PostgreSQL refuses to run as root, so when the demo is root the cluster belongs to the `postgres` user (created
 * by Debian's package) or else `nobody`, and its folder is handed to that user. TCP logins need the password
 * (scram-sha-256); only the socket, inside a 0700 folder of the cluster's owner, trusts its user, which is how the
 * demo creates the database and, afterwards, checks what the migration did.
 */
import { spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Processes, Started } from './processes.ts';
import { dim, say, shown } from './transcript.ts';

const TOOLS = ['initdb', 'postgres', 'createdb', 'psql'] as const;

/** The folder holding initdb, postgres, createdb and psql, or undefined when PostgreSQL is not installed. */
export function findPostgres(path = process.env.PATH ?? ''): string | undefined {
  const candidates: string[] = [];
  for (const dir of path.split(delimiter))
    if (dir && existsSync(join(dir, 'initdb'))) candidates.push(realDir(join(dir, 'initdb')));
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian))
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a)))
      candidates.push(join(debian, version, 'bin'));
  if (existsSync('/usr/local/bin/initdb')) candidates.push(realDir('/usr/local/bin/initdb'));
  return candidates.find((dir) => TOOLS.every((tool) => existsSync(join(dir, tool))));
}

function realDir(file: string): string {
  return dirname(realpathSync(file));
}

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Who runs the cluster: ourselves, or (as root) `postgres` if it exists, else `nobody`. */
export function clusterAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const users = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 4);
  for (const name of ['postgres', 'nobody']) {
    const f = users.find((u) => u[0] === name);
    if (f) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error('running as root, and there is neither a `postgres` nor a `nobody` user to run PostgreSQL as');
}

export interface Cluster {
  dir: string;
  port: number;
  socketDir: string;
  account?: Account;
  bin: string;
  server: Started;
  /** Runs a psql query over the socket as the cluster's owner; returns its unaligned output. */
  query(database: string, sql: string): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  bin: string;
  superuser: string;
  database: string;
  /** The superuser's password (the backend's secret): written to a 0600 file for initdb, deleted right after. */
  password: string;
  processes: Processes;
  /** The cluster's folder is added here, so that the demo's clean-up removes it however the demo ends. */
  temporary: string[];
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { bin, processes } = options;
  const account = clusterAccount();
  const dir = mkdtempSync(join(clusterParent(account), 'envplane-demo-pg-'));
  options.temporary.push(dir);
  const own = (path: string) => account && chownSync(path, account.uid, account.gid);
  own(dir);
  const env = { PATH: `${bin}:/usr/bin:/bin`, LC_ALL: 'C', HOME: dir };
  const as = account ? { uid: account.uid, gid: account.gid } : {};
  const who = account ? `  ${dim(`(as ${account.name})`)}` : '';
  const run = (tool: string, args: string[]) => {
    say(`${dim('$')} ${tool} ${shown(args)}${who}`);
    const r = spawnSync(join(bin, tool), args, { cwd: dir, env, encoding: 'utf8', ...as });
    if (r.status !== 0)
      throw new Error(
        `${tool} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`,
      );
    return r.stdout;
  };
  let server: Started | undefined;
  try {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600, flag: 'wx' });
    own(pwfile);
    say(dim(`# ${pwfile}: the backend's POSTGRES_PASSWORD, mode 0600, for initdb only; deleted right after`));
    try {
      run('initdb', [
        '-D',
        join(dir, 'data'),
        '-U',
        options.superuser,
        '--pwfile',
        pwfile,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '--no-locale',
        '-E',
        'UTF8',
        '--no-sync',
        '--no-instructions',
      ]);
    } finally {
      rmSync(pwfile, { force: true });
    }
    const socketDir = join(dir, 'socket');
    mkdirSync(socketDir, { mode: 0o700 });
    own(socketDir);
    // The port is free when we ask, but another process may take it before PostgreSQL binds: try a few.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      say(`${dim('$')} postgres ${shown(serverArgs(join(dir, 'data'), port, socketDir))} &${who}`);
      server = processes.start('postgres', join(bin, 'postgres'), serverArgs(join(dir, 'data'), port, socketDir), {
        cwd: dir,
        env,
        stopSignal: 'SIGINT',
        ...as,
      });
      try {
        await processes.waitFor(server, /database system is ready to accept connections/, 20_000);
        break;
      } catch (error) {
        if (attempt >= 3 || !/could not bind|Address already in use/.test(server.stderr)) throw error;
        await processes.stop(server);
      }
    }
    const started = server;
    const psqlArgs = ['-h', socketDir, '-p', String(port), '-U', options.superuser];
    run('createdb', [...psqlArgs, options.database]);
    const cluster: Cluster = {
      dir,
      port,
      socketDir,
      ...(account ? { account } : {}),
      bin,
      server: started,
      query: (database, sql) => run('psql', [...psqlArgs, '-d', database, '-X', '-A', '-t', '-c', sql]).trim(),
      async stop() {
        // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, close connections, stop.
        await processes.stop(started, 'SIGINT', 10_000);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (error) {
    if (server) await processes.stop(server, 'SIGINT', 10_000);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A small, fast, loopback-only server: durability does not matter for a cluster that lives for seconds. */
function serverArgs(data: string, port: number, socketDir: string): string[] {
  const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'shared_buffers=16MB', 'max_connections=20'];
  return ['-D', data, '-p', String(port), '-k', socketDir, ...settings.flatMap((s) => ['-c', s])];
}

/**
 * Where the cluster's folder goes: the temp dir, unless the cluster runs as another user who cannot pass through
 * it (some CI runners point TMPDIR at a private 0700 folder); then /tmp, which every user can pass through.
 */
function clusterParent(account: Account | undefined): string {
  const base = tmpdir();
  if (!account) return base;
  return (statSync(base).mode & 0o001) !== 0 ? base : '/tmp';
}

/** A free loopback port: bind port 0, read the number, close (PostgreSQL binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
