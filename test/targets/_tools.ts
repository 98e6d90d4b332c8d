/**
 * Tools shared by the target tests: the real docker-compose v1 (`config` needs no engine), the compose-spec JSON
 * Schema from ../shared, secret files filled with canary values, and envplane's own bundles to compare with.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { findEnvironment, listInstances } from '../../src/resolve/instances.ts';
import type { Bundle } from '../../src/resolve/types.ts';
import { SHARED } from '../_helpers.ts';

export const DOCKER_COMPOSE = '/usr/bin/docker-compose';

export interface ComposeService {
  environment?: Record<string, string>;
  secrets?: { source: string; target?: string }[];
  image?: string;
  build?: unknown;
}
export interface ComposeConfig {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string; external?: boolean; name?: string }>;
}

/** `docker-compose -f … config` as Compose v1 resolves it; fails the test when the tool is missing or refuses. */
export function composeConfig(cwd: string, files: string[]): { config: ComposeConfig; text: string } {
  assert.ok(existsSync(DOCKER_COMPOSE), `${DOCKER_COMPOSE} is required (apt-get install docker-compose)`);
  const r = spawnSync(DOCKER_COMPOSE, [...files.flatMap((f) => ['-f', f]), 'config'], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cwd },
  });
  assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
  // PyYAML writes YAML 1.1 (`1e3` plain, U+2028 a line break): read it back with PyYAML itself, the library
  // docker-compose runs on, so the test sees what Compose holds.
  const json = spawnSync('python3', ['-c', 'import json,sys,yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
    input: r.stdout,
    encoding: 'utf8',
  });
  assert.equal(json.status, 0, `PyYAML could not read the config output:\n${json.stderr}`);
  const config = JSON.parse(json.stdout) as ComposeConfig;
  // `config` prints every `$` escaped as `$$`, ready to be interpolated again.
  for (const service of Object.values(config.services))
    if (service.environment)
      for (const [k, v] of Object.entries(service.environment))
        service.environment[k] = String(v).replaceAll('$$', '$');
  return { config, text: r.stdout };
}

let validator: ((data: unknown) => boolean) & { errors?: unknown } = Object.assign(() => false, {});
let loaded = false;
/** Validates a parsed compose file against ../shared/reference/compose-spec.json (draft 2020-12). */
export function assertComposeSpec(document: unknown, label: string): void {
  if (!loaded) {
    const path = join(SHARED, 'reference', 'compose-spec.json');
    assert.ok(existsSync(path), `${path} is missing: the shared reference must sit beside the checkout`);
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    validator = ajv.compile(JSON.parse(readFileSync(path, 'utf8')));
    loaded = true;
  }
  assert.ok(
    validator(document),
    `${label} does not match compose-spec.json: ${JSON.stringify(validator.errors, null, 2)}`,
  );
}

/** Writes a distinct canary value into every secret file an environment's bundles read; returns the values. */
export function fillSecretFiles(dir: string, bundles: Bundle[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const b of bundles)
    for (const s of [...b.secrets, ...b.build]) {
      const location = s.location;
      const path = location.kind === 'file' ? location.path : undefined;
      if (!path || values.has(path)) continue;
      // unseeded: a canary must be unique across test files running at once; no assertion depends on its bytes.
      const value = `CANARY${randomBytes(9).toString('hex')}`;
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), `${value}\n`);
      values.set(path, value);
    }
  return values;
}

export function bundlesOf(dir: string, env: string): Bundle[] {
  const project = loadProject({ dir, environment: env, lookup: {} });
  const environment = findEnvironment(project.manifest, env);
  return listInstances(project.manifest).map((i) => resolveBundle(project.manifest, project.layers, environment, i));
}

/** What envplane says the instance's environment is: declared config values plus `<fileEnv>` paths. */
export function expectedEnvironment(bundle: Bundle): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of bundle.config) if (c.value !== undefined) env[c.key] = c.value;
  for (const s of bundle.secrets) env[s.fileEnv] = s.target;
  return env;
}

/** The secret names a resolved service is granted, with the path it reads each at. */
export function grantedSecrets(service: ComposeService): string[] {
  return (service.secrets ?? []).map((s) => s.source).sort();
}

export function assertNoCanary(text: string, canaries: Iterable<string>, label: string): void {
  for (const value of canaries) assert.ok(!text.includes(value), `${label} contains a secret value`);
}
