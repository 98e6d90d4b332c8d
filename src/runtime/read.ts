/**
 * Where an application finds a secret, in the order that makes the same code work everywhere:
 * 1. `<KEY>_FILE` (`POSTGRES_PASSWORD_FILE`): set by `envplane run`, Compose `environment:` and many images;
 * 2. `$ENVPLANE_SECRETS_DIR/<name>`: the private directory of `envplane run`;
 * 3. `/run/secrets/<name>`: Compose, Swarm and Kubernetes mounts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret } from './secret.ts';

export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface ReadSecretOptions {
  /** Where to look up `<KEY>_FILE` and `ENVPLANE_SECRETS_DIR` (default: `process.env`). */
  env?: EnvSource;
  /** The variable holding the file's path (default: the upper-cased name + `_FILE`, e.g. `POSTGRES_PASSWORD_FILE`). */
  fileEnv?: string;
  /** The mount directory searched last (default: `/run/secrets`). */
  secretsDir?: string;
}

/** The secret, or undefined when no place has it (a missing or empty file counts as absent). */
export function readSecret(name: string, options: ReadSecretOptions = {}): Secret | undefined {
  const value = readSecretText(name, options);
  return value === undefined ? undefined : new Secret(name, value);
}

/** `POSTGRES_PASSWORD_FILE` for `postgres_password`, as envplane names a key's file variable by default. */
export function defaultFileEnv(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_FILE`;
}

function readSecretText(name: string, options: ReadSecretOptions): string | undefined {
  if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..')
    throw new Error(`envplane/runtime: "${name}" is not a secret name`);
  const env = options.env ?? process.env;
  const candidates = [
    env[options.fileEnv ?? defaultFileEnv(name)],
    env.ENVPLANE_SECRETS_DIR ? join(env.ENVPLANE_SECRETS_DIR, name) : undefined,
    join(options.secretsDir ?? '/run/secrets', name),
  ];
  for (const path of candidates) {
    if (!path) continue;
    const text = readIfExists(path);
    if (text === undefined) continue;
    // `echo value > file` adds one newline; it is not part of the value (as envplane's own stores read it).
    const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
    if (value !== '') return value;
  }
  return undefined;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // Permission errors must not look like "absent": say which file, never what is in it.
    throw new Error(`envplane/runtime: cannot read ${path} (${code ?? 'unknown error'})`);
  }
}
