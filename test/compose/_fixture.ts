/**
 * A project for `envplane compose`: a files store with canary values, the user's own `compose.yaml` (without
 * secrets: envplane wires them), and a fake Compose v2 plugin for the real docker CLI (DOCKER_CONFIG/cli-plugins),
 * which records its argv, environment and the compose files it was given.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../_helpers.ts';

export interface ComposeFixture {
  dir: string;
  canaries: Record<string, string> & { db_password: string };
}

export function composeProject(): ComposeFixture {
  const dir = tempDir('envplane-compose-');
  mkdirSync(join(dir, 'secrets', 'a'), { recursive: true });
  mkdirSync(join(dir, 'secrets', 'b'), { recursive: true });
  const canaries: Record<string, string> & { db_password: string } = {
    // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
    db_password: `canary-db-${randomBytes(6).toString('hex')}`,
    // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
    'token@a': `canary-ta-${randomBytes(6).toString('hex')}`,
    // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
    'token@b': `canary-tb-${randomBytes(6).toString('hex')}`,
  };
  writeFileSync(join(dir, 'secrets', 'db_password.txt'), `${canaries.db_password}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'secrets', 'a', 'token.txt'), `${canaries['token@a']}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'secrets', 'b', 'token.txt'), `${canaries['token@b']}\n`, { mode: 0o600 });
  writeFileSync(join(dir, '.env.shared'), 'LOG_LEVEL=debug\nPRICE=$5\n');
  writeFileSync(
    join(dir, 'envplane.yaml'),
    `project: shop
environments:
  development:
    aliases: [dev]
    config: [.env.shared]
tenants: [a, b]
keys:
  LOG_LEVEL: config
  PRICE: config
  db_password: secret
  token: { plane: secret, perTenant: true }
services:
  api:
    uses: [LOG_LEVEL, PRICE, db_password]
  etl:
    perTenant: true
    uses: [LOG_LEVEL, token]
`,
  );
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  api:\n    image: shop/api:dev\n    ports: ["8080:8080"]\n');
  return { dir, canaries };
}

/** A fake `docker compose` plugin answering `version --short` with `version` and recording every other call. */
export function fakePlugin(version: string): { config: string; report: string; ready: string } {
  const config = tempDir('envplane-docker-config-');
  mkdirSync(join(config, 'cli-plugins'));
  const report = join(config, 'report.json');
  const ready = join(config, 'ready');
  const plugin = join(config, 'cli-plugins', 'docker-compose');
  writeFileSync(
    plugin,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === 'docker-cli-plugin-metadata') {
  console.log(JSON.stringify({ SchemaVersion: '0.1.0', Vendor: 'envplane tests', Version: 'v${version}', ShortDescription: 'fake' }));
  process.exit(0);
}
if (args[1] === 'version') { console.log('${version}'); process.exit(0); }
const files = {};
args.forEach((a, i) => { if (a === '-f') files[args[i + 1]] = fs.readFileSync(args[i + 1], 'utf8'); });
const record = (extra) => fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({ argv: args, env: process.env, files, cwd: process.cwd(), ...extra }));
record({});
console.log('fake compose saw ' + (process.env.ENVPLANE_ECHO_VAR ? process.env[process.env.ENVPLANE_ECHO_VAR] : 'nothing'));
if (args.includes('--wait-for-signal')) {
  for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { record({ signal: s }); process.exit(s === 'SIGTERM' ? 143 : 130); });
  fs.writeFileSync(${JSON.stringify(ready)}, '');
  setInterval(() => {}, 1000);
} else process.exit(Number(process.env.FAKE_EXIT ?? 0));
`,
  );
  chmodSync(plugin, 0o755);
  return { config, report, ready };
}
