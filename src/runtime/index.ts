/**
 * `envplane/runtime`: what an application imports to read its config and secrets, typed from the names it lists.
 * Tiny on purpose: no YAML, no schema library, no manifest; it reads what `envplane run`, Compose or Kubernetes
 * delivered.
 *
 * @example
 * const env = createEnv({ config: ['POSTGRES_HOST'] as const, secrets: ['postgres_password'] as const });
 * connect({ host: env.config.POSTGRES_HOST, password: env.secrets.postgres_password.reveal() });
 */
import { type EnvSource, readSecret } from './read.ts';
import type { Secret } from './secret.ts';

export { defaultFileEnv, type EnvSource, type ReadSecretOptions, readSecret } from './read.ts';
export { Secret } from './secret.ts';

export interface CreateEnvOptions<
  C extends readonly string[],
  S extends readonly string[],
  O extends readonly string[] = readonly [],
> {
  /** Config and public keys the application needs, read from environment variables. Each must be set. */
  config?: C;
  /** Secret names the application needs (`postgres_password`). Each must be found in a file (see `readSecret`). */
  secrets?: S;
  /** Names from `config` or `secrets` that may be missing: their type gains `| undefined` and they are not errors. */
  optional?: O;
  /** Where environment variables come from (default: `process.env`). */
  env?: EnvSource;
  /** The mount directory searched last for secrets (default: `/run/secrets`). */
  secretsDir?: string;
  /** A secret's file variable when it is not `<NAME>_FILE`, e.g. `{ db_pass: 'POSTGRES_PASSWORD_FILE' }`. */
  fileEnv?: Partial<Record<S[number], string>>;
}

type Field<K extends string, O extends string, T> = { readonly [P in Exclude<K, O>]: T } & {
  readonly [P in Extract<K, O>]: T | undefined;
};

export interface Env<C extends string, S extends string, O extends string> {
  readonly config: Field<C, O, string>;
  readonly secrets: Field<S, O, Secret>;
}

/** Thrown when required names are missing; the message lists every missing name (never a value). */
export class MissingEnvError extends Error {
  override name = 'MissingEnvError';
  readonly missingConfig: string[];
  readonly missingSecrets: string[];
  constructor(missingConfig: string[], missingSecrets: string[]) {
    const parts = [
      missingConfig.length > 0 ? `config: ${missingConfig.join(', ')}` : '',
      missingSecrets.length > 0 ? `secrets: ${missingSecrets.join(', ')}` : '',
    ].filter(Boolean);
    super(
      `envplane/runtime: missing ${parts.join('; ')}` +
        ' (run the program with `envplane run --env <env> --service <service> -- …`, or provide them)',
    );
    this.missingConfig = missingConfig;
    this.missingSecrets = missingSecrets;
  }
}

/** Reads every listed name once, fails with all missing names at once, and returns a frozen, typed object. */
export function createEnv<
  const C extends readonly string[] = readonly [],
  const S extends readonly string[] = readonly [],
  const O extends readonly (C[number] | S[number])[] = readonly [],
>(options: CreateEnvOptions<C, S, O>): Env<C[number], S[number], O[number]> {
  const env = options.env ?? process.env;
  const optional = new Set<string>(options.optional ?? []);
  const fileEnv = (options.fileEnv ?? {}) as Record<string, string | undefined>;
  const config: Record<string, string | undefined> = {};
  const secrets: Record<string, Secret | undefined> = {};
  const missingConfig: string[] = [];
  const missingSecrets: string[] = [];
  for (const key of options.config ?? []) {
    const value = env[key];
    if (value === undefined && !optional.has(key)) missingConfig.push(key);
    config[key] = value;
  }
  for (const name of options.secrets ?? []) {
    const secret = readSecret(name, {
      env,
      ...(fileEnv[name] ? { fileEnv: fileEnv[name] } : {}),
      ...(options.secretsDir ? { secretsDir: options.secretsDir } : {}),
    });
    if (secret === undefined && !optional.has(name)) missingSecrets.push(name);
    secrets[name] = secret;
  }
  if (missingConfig.length > 0 || missingSecrets.length > 0) throw new MissingEnvError(missingConfig, missingSecrets);
  return Object.freeze({ config: Object.freeze(config), secrets: Object.freeze(secrets) }) as Env<
    C[number],
    S[number],
    O[number]
  >;
}
