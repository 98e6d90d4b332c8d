/**
 * What the migration step needs from the project: the backend's connection settings and password (read like
 * `envplane run` reads them), and the one user action of the step — pointing POSTGRES_HOST and POSTGRES_PORT at the
 * throwaway cluster by editing the config layer that sets them, found with `envplane env --json`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { findEnvironment, instanceOf } from '../../src/resolve/instances.ts';
import { readSecretValue } from '../../src/stores/read.ts';

export interface Connection {
  user: string;
  database: string;
  password: string;
}

export function backendConnection(root: string, environmentName: string): Connection {
  const project = loadProject({ dir: root, environment: environmentName });
  const environment = findEnvironment(project.manifest, environmentName);
  const bundle = resolveBundle(project.manifest, project.layers, environment, instanceOf('backend'));
  const config = (key: string) => {
    const value = bundle.config.find((c) => c.key === key)?.value;
    if (!value) throw new Error(`the backend has no ${key} in ${environmentName}`);
    return value;
  };
  const secret = bundle.secrets.find((s) => s.name === 'POSTGRES_PASSWORD');
  const password = secret && readSecretValue(project.root, secret.location, project.layers);
  if (!password) throw new Error(`the backend has no POSTGRES_PASSWORD in ${environmentName}`);
  return { user: config('POSTGRES_USER'), database: config('POSTGRES_DATABASE'), password };
}

/** The `config` part of `envplane env --json`: where each key is set. */
export type EnvJsonConfig = Record<
  string,
  { value: string | null; source: { file: string; line: number | null; default?: boolean } | null }
>;

/**
 * Sets `key=value` where the key is set now (its winning layer line), or appends it to `fallbackFile`.
 * Returns `file:line` for the transcript. Only plain values ([\w.:-]) are written, so no quoting is needed.
 */
export function setLayerValue(
  root: string,
  config: EnvJsonConfig,
  key: string,
  value: string,
  fallbackFile: string,
): string {
  if (!/^[\w.:-]+$/.test(value)) throw new Error(`setLayerValue: ${key} needs quoting`);
  const source = config[key]?.source;
  const file = source && !source.default && source.line !== null ? source.file : fallbackFile;
  const path = join(root, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  if (source && !source.default && source.line !== null && lines[source.line - 1]?.trimStart().startsWith(key)) {
    lines[source.line - 1] = `${key}=${value}`;
    writeFileSync(path, lines.join('\n'));
    return `${file}:${source.line}`;
  }
  const text = lines.join('\n');
  const updated = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${key}=${value}\n`;
  writeFileSync(path, updated);
  return `${file}:${updated.split('\n').length - 1}`;
}
