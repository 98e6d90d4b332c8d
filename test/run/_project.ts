/**
 * Test fixtures for run and export: example copies with canary secrets, and an independent reading of what each
 * instance should receive (straight from the manifest YAML and the simple KEY=VALUE layer files of the examples,
 * not through envplane's resolver).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { copyExample } from '../_helpers.ts';

export interface Project {
  dir: string;
  /** Secret values written into the files store by the test, by secret name. */
  canaries: Record<string, string>;
}

/** The runtime secrets of examples/four-planes, as its manifest declares them. */
export const FOUR_PLANES_SECRETS = [
  'postgres_password',
  'secret_key',
  'openai_api_key',
  'aws_access_key_id',
  'aws_secret_access_key',
] as const;

/** A four-planes copy with every runtime secret file created (mode 0600) holding a unique canary value. */
export function fourPlanesWithSecrets(): Project {
  const dir = copyExample('four-planes');
  const canaries: Record<string, string> = {};
  for (const name of FOUR_PLANES_SECRETS) {
    // `/`, `+`, `=` and a space make the URL-encoded and base64 forms differ from the value.
    // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
    canaries[name] = `canary-${name}/+= ${randomBytes(6).toString('hex')}`;
    writeFileSync(join(dir, 'secrets', `${name}.txt`), `${canaries[name]}\n`, { mode: 0o600 });
  }
  return { dir, canaries };
}

export interface Expected {
  /** Config/public keys and their values. */
  config: Record<string, string>;
  /** Secret names, their fileEnv and values. */
  secrets: Record<string, { fileEnv: string; value: string }>;
}

interface WrittenKey {
  plane: string;
  fileEnv?: string;
  default?: string;
}

/** What `service` (for `tenant`) should receive in `env`, read independently of envplane. */
export function expectedBundle(dir: string, env: string, service: string, tenant?: string): Expected {
  const manifest = parse(readFileSync(join(dir, 'envplane.yaml'), 'utf8'));
  const keys = manifest.keys as Record<string, string | WrittenKey>;
  const svc = manifest.services[service] as { uses: string[]; config?: string[] };
  const environment = manifest.environments[env] as { config: string[] };
  const layers = [
    ...environment.config,
    ...(svc.config ?? []).map((p) => p.replaceAll('{env}', env).replaceAll('{tenant}', tenant ?? '')),
  ];
  const values: Record<string, string> = {};
  for (const layer of layers)
    for (const line of readFileSync(join(dir, layer), 'utf8').split('\n')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) values[m[1]!] = m[2]!;
    }
  const out: Expected = { config: {}, secrets: {} };
  for (const name of svc.uses) {
    const written = keys[name]!;
    const key: WrittenKey = typeof written === 'string' ? { plane: written } : written;
    if (key.plane === 'secret') {
      const file = join(dir, 'secrets', `${name}.txt`);
      const value = values[name] ?? (existsSync(file) ? readFileSync(file, 'utf8').replace(/\n$/, '') : undefined);
      const fileEnv = key.fileEnv ?? `${name.toUpperCase()}_FILE`;
      if (value !== undefined) out.secrets[name] = { fileEnv, value };
    } else {
      const value = values[name] ?? key.default;
      if (value !== undefined) out.config[name] = value;
    }
  }
  return out;
}

/** Every instance of an example: [service, tenant?]. */
export function instancesOf(dir: string): [string, string | undefined][] {
  const manifest = parse(readFileSync(join(dir, 'envplane.yaml'), 'utf8'));
  const tenants = (manifest.tenants ?? []) as string[];
  return Object.entries(manifest.services as Record<string, { perTenant?: boolean }>).flatMap(([name, s]) =>
    s.perTenant ? tenants.map((t): [string, string | undefined] => [name, t]) : [[name, undefined]],
  );
}

/** Every value assigned in any layer file or secret file of the project: what an instance must not see. */
export function allProjectValues(dir: string, files: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files)
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) out.set(`${file}:${m[1]}`, m[2]!);
    }
  return out;
}

/**
 * A child that reports what it sees: its environment, and each file in ENVPLANE_SECRETS_DIR with its mode, hash
 * and contents. It writes the report to the file named by its first argument (the test reads it), prints nothing.
 */
export const PROBE = `
const fs = require('node:fs'), path = require('node:path'), crypto = require('node:crypto');
const dir = process.env.ENVPLANE_SECRETS_DIR;
const files = {};
let dirMode = null;
if (dir) {
  dirMode = (fs.statSync(dir).mode & 0o777).toString(8);
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const content = fs.readFileSync(p, 'utf8');
    files[name] = { mode: (fs.statSync(p).mode & 0o777).toString(8), sha256: crypto.createHash('sha256').update(content).digest('hex'), content };
  }
}
fs.writeFileSync(process.argv[1], JSON.stringify({ env: process.env, files, dirMode, argv: process.argv.slice(2) }));
`;

export interface ProbeReport {
  env: Record<string, string>;
  files: Record<string, { mode: string; sha256: string; content: string }>;
  dirMode: string | null;
  argv: string[];
}

export function readReport(path: string): ProbeReport {
  return JSON.parse(readFileSync(path, 'utf8')) as ProbeReport;
}
