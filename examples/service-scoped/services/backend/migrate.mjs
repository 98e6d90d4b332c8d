#!/usr/bin/env node
/**
 * The backend's migration runner, run with the backend's own environment:
 *
 *   envplane run --env development --service backend -- node services/backend/migrate.mjs
 *
 * Connection settings come from config variables (POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_DATABASE);
 * the password comes from the secret file named by POSTGRES_PASSWORD_FILE, never from an environment variable or
 * the command line. Each `migrations/NNN_name.sql` runs once, in order, inside a transaction that also records its
 * version in `schema_migrations`. Prints one `MIGRATED {json}` line for whoever runs it (versions, server version).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from './_pg.mjs';

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

function setting(name) {
  const value = process.env[name];
  if (!value) fail(`${name} is not set; run this under \`envplane run --service backend\``);
  return value;
}

function fail(message) {
  process.stderr.write(`migrate: ${message}\n`);
  process.exit(1);
}

function readPassword() {
  const file = setting('POSTGRES_PASSWORD_FILE');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read the password file named by POSTGRES_PASSWORD_FILE (${error.code})`);
  }
  return text.replace(/\r?\n$/, '');
}

const target = {
  host: setting('POSTGRES_HOST'),
  port: setting('POSTGRES_PORT'),
  user: setting('POSTGRES_USER'),
  database: setting('POSTGRES_DATABASE'),
};
let db;
try {
  db = await connect({ ...target, password: readPassword() });
} catch (error) {
  fail(`cannot connect to ${target.user}@${target.host}:${target.port}/${target.database}: ${error.message}`);
}
try {
  await db.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set((await db.query('SELECT version FROM schema_migrations')).map((row) => row[0]));
  const applied = [];
  for (const file of readdirSync(MIGRATIONS)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort()) {
    const version = file.replace(/\.sql$/, '');
    if (done.has(version)) continue;
    const sql = readFileSync(join(MIGRATIONS, file), 'utf8');
    // The version is [0-9A-Za-z_-] (checked above), so it is safe inside a literal.
    await db.query(`BEGIN; ${sql}; INSERT INTO schema_migrations (version) VALUES ('${version}'); COMMIT;`);
    applied.push(version);
    process.stdout.write(`applied ${version}\n`);
  }
  const versions = (await db.query('SELECT version FROM schema_migrations ORDER BY version')).map((row) => row[0]);
  const [[server]] = await db.query('SHOW server_version');
  const [[user]] = await db.query('SELECT current_user');
  if (applied.length === 0) process.stdout.write('schema is up to date\n');
  process.stdout.write(`MIGRATED ${JSON.stringify({ applied, versions, server, user, ...target })}\n`);
} catch (error) {
  fail(`migration failed: ${error.message}${error.code ? ` (SQLSTATE ${error.code})` : ''}`);
} finally {
  db.close();
}
