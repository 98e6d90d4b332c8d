/**
 * Shared by the migrate tests: the first seed's legacy `.env.development` (40 keys of every kind) in a small project,
 * and what every instance of a project receives, to compare before and after a migration.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotenv } from '../../src/dotenv/index.ts';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { findEnvironment, listInstances } from '../../src/resolve/instances.ts';
import { readSecretValue } from '../../src/stores/read.ts';
import { tempDir } from '../_helpers.ts';

export const LEGACY = `# Legacy development settings, written by hand over the years
export APP_NAME=demo
PORT=8080
DEBUG=true
LOG_LEVEL=debug
EMPTY_SETTING=
SPACED_VALUE =  padded value   
URL_WITH_HASH=http://h/p#frag
COMMENTED=value # a comment
SINGLE_QUOTED='single $HOME and # kept'
DOUBLE_QUOTED="double \\"quoted\\" \\$literal and # hash"
ESCAPES="tab\\tnewline\\nback\\\\slash"
MULTI_LINE="line one
line two
line three"
MULTI_SINGLE='first
second'
DOLLARS=$$cost
REF_EARLIER=\${PORT}/api
DEFAULTED=\${UNSET_THING:-fallback}
UNICODE=héllo wörld ✓
JSON_BLOB='{"a": 1, "b": [true, null]}'
BACKTICK=\`not a command\`
DUPLICATE=first
DUPLICATE=second
COLON_SEP: colon value
VITE_API_URL=http://localhost:8080
NEXT_PUBLIC_SITE=Demo Site
REACT_APP_MODE=dev
SESSION_TOKEN_TTL=3600
PASSWORD_MIN_LENGTH=12
KEYBOARD_LAYOUT=us
TLS_CERT_PATH=/etc/ssl/cert.pem
CSRF_SALT=s4lt-value
DB_PASSWORD=Pa$$w0rd#1canary
API_KEY="sk-canaryabcdefghijklmnopqrstuvwxyz"
JWT_SECRET='j$wt#secret with spaces canary'
GITHUB_TOKEN=ghp_CANARYabcdefghijklmnopqrstuvwxyz0123
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYcanaryKEY
PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\nMIIEcanary\\n-----END PRIVATE KEY-----"
SMTP_CREDENTIALS=user:canary-pass
DATABASE_URL=postgres://app:canary-urlpass@db:5432/app
MULTILINE_SECRET_TOKEN="canary line 1
canary line 2
"
`;

export const MANIFEST = `# yaml-language-server: $schema=../schema/envplane.schema.json
project: legacy
environments:
  development:
    aliases: [dev]
    config: [config/common.env, config/dev.env]
    secrets: { store: files, dir: secrets }
keys: {}
services:
  app: {}
`;

/** A project as the first seed's users have it before migrating: a manifest, config/common.env, a legacy file. */
export function legacyProject(): string {
  const dir = tempDir('envplane-migrate-');
  writeFileSync(join(dir, 'envplane.yaml'), MANIFEST);
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'common.env'), '# shared\nAPP_REGION=eu\n');
  writeFileSync(join(dir, '.env.development'), LEGACY);
  return dir;
}

export const expected = parseDotenv(LEGACY, { lookup: {} });
export const SECRET_KEYS = [
  'DB_PASSWORD',
  'API_KEY',
  'JWT_SECRET',
  'GITHUB_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'PRIVATE_KEY',
  'SMTP_CREDENTIALS',
  'DATABASE_URL',
  'MULTILINE_SECRET_TOKEN',
];

/** Every secret value of the fixture (and each of its lines) is absent from `text`. */
export function assertNoSecretIn(text: string): void {
  assert.ok(!/canary/i.test(text), 'a canary secret value was printed');
  for (const key of SECRET_KEYS)
    for (const part of expected[key]!.split('\n').filter((p) => p.length >= 6))
      assert.ok(!text.includes(part), `the value of ${key} was printed`);
}

/** Instance id → key → value (config and secrets alike), as the instances receive them. */
export function receivedValues(dir: string): Record<string, Record<string, string | undefined>> {
  const project = loadProject({ dir, lookup: {} });
  const environment = findEnvironment(project.manifest, 'development');
  const out: Record<string, Record<string, string | undefined>> = {};
  for (const instance of listInstances(project.manifest)) {
    const bundle = resolveBundle(project.manifest, project.layers, environment, instance);
    const values: Record<string, string | undefined> = {};
    for (const c of bundle.config) values[c.key] = c.value;
    for (const s of bundle.secrets) values[`secret:${s.name}`] = readSecretValue(dir, s.location, project.layers);
    out[instance.id] = values;
  }
  return out;
}
