/**
 * Step 6: the backend's migration runner against a real PostgreSQL. A throwaway cluster is created with the
 * backend's own password (the secret from the store), POSTGRES_HOST/POSTGRES_PORT are pointed at it in the config
 * layer (the user's one manual edit), then `envplane run --service backend -- node services/backend/migrate.mjs`
 * applies the migrations, reading the password from POSTGRES_PASSWORD_FILE. It runs twice (the second run must find
 * nothing to do), and the server itself is asked, over its socket, which versions are recorded.
 */
import { backendConnection, type EnvJsonConfig, setLayerValue } from './database.ts';
import { findPostgres, startCluster } from './postgres.ts';
import { type Launch, runOnce, taggedJson } from './services.ts';
import type { Outcome, Step } from './step.ts';
import { dim, envplane, say } from './transcript.ts';

interface Migrated {
  applied: string[];
  versions: string[];
  server: string;
  user: string;
  host: string;
  port: string;
  database: string;
}

export const migrationStep: Step = {
  number: 6,
  id: 'database',
  title: 'The backend migrates a real PostgreSQL, with its password read from its secret file',
  async run(state, shell): Promise<Outcome> {
    if (!state.available.run)
      return { status: 'unavailable', detail: '`envplane run` not available yet; step not run' };
    const bin = findPostgres();
    if (!bin) {
      state.summary.migration = { ran: false, reason: 'PostgreSQL is not installed' };
      return {
        status: 'skipped',
        detail: 'PostgreSQL server binaries not found (PATH, /usr/lib/postgresql/*/bin, /usr/local/bin): skipped',
      };
    }
    const connection = backendConnection(state.project, state.environment);
    say(
      dim(
        `  a throwaway cluster from ${bin}: superuser ${connection.user}, password = the backend's POSTGRES_PASSWORD secret`,
      ),
    );
    const cluster = await startCluster({
      bin,
      superuser: connection.user,
      database: connection.database,
      password: connection.password,
      processes: state.processes,
      temporary: state.temporary,
    });
    state.summary.migration = { ran: false, clusterDir: cluster.dir };
    try {
      say(
        dim(
          `  postgres (pid ${cluster.server.child.pid}${cluster.account ? `, user ${cluster.account.name}` : ''}) listens on 127.0.0.1:${cluster.port}; database ${connection.database} created`,
        ),
      );
      const env = await envplane(shell, ['env', '--env', state.environment, '--service', 'backend', '--json'], {
        lines: 0,
      });
      if (env.code !== 0) return { status: 'failed', detail: `envplane env exited ${env.code}` };
      const config = (JSON.parse(env.stdout) as { config: EnvJsonConfig }).config;
      const hostFile = config.POSTGRES_HOST?.source?.file ?? '.env.shared';
      const host = setLayerValue(state.project, config, 'POSTGRES_HOST', '127.0.0.1', hostFile);
      const port = setLayerValue(state.project, config, 'POSTGRES_PORT', String(cluster.port), hostFile);
      say(
        `${dim('#')} point the backend at it: ${host} POSTGRES_HOST=127.0.0.1, ${port} POSTGRES_PORT=${cluster.port}`,
      );

      const launch: Launch = {
        cli: state.cli,
        cwd: state.project,
        environment: state.environment,
        processes: state.processes,
      };
      const first = await runOnce(launch, 'backend', ['services/backend/migrate.mjs']);
      const migrated = taggedJson<Migrated>(first.stdout, 'MIGRATED');
      if (first.code !== 0 || !migrated)
        return { status: 'failed', detail: `the migration failed (exit ${first.code})` };
      const again = await runOnce(launch, 'backend', ['services/backend/migrate.mjs']);
      const second = taggedJson<Migrated>(again.stdout, 'MIGRATED');
      if (again.code !== 0 || !second || second.applied.length > 0)
        return { status: 'failed', detail: 'running the migration again was not a no-op' };

      // The server's own word, over its socket: which versions it recorded, and the rows the first one inserted.
      const versions = cluster.query(connection.database, 'SELECT version FROM schema_migrations ORDER BY version');
      say(versions.replace(/^/gm, '  '));
      const recorded = versions.split('\n').join(',');
      const tenants = cluster.query(connection.database, 'SELECT count(*) FROM tenants');
      say(`  ${tenants}`);
      const matches = recorded === migrated.versions.join(',') && migrated.versions.length > 0;
      state.summary.migration = {
        ran: matches,
        ...migrated,
        recordedByServer: recorded.split(','),
        tenants: Number(tenants),
        port: cluster.port,
        clusterDir: cluster.dir,
      };
      if (!matches)
        return {
          status: 'failed',
          detail: `the server records "${recorded}", the runner said ${migrated.versions.join(',')}`,
        };
      return {
        status: 'ok',
        detail: `PostgreSQL ${migrated.server}: applied ${migrated.applied.join(', ')} as ${migrated.user}; second run: nothing to do`,
      };
    } finally {
      await cluster.stop();
    }
  },
};
