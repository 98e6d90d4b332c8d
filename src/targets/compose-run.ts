/**
 * `envplane compose`: how the user's own `docker compose` arguments are combined with envplane's wiring, and which
 * wiring the detected Compose can read. Pure: the Compose version and the files on disk come from the caller.
 *
 * - The user's files are theirs: `-f`/`--file` in their arguments, else `COMPOSE_FILE` (split at
 *   `COMPOSE_PATH_SEPARATOR`, default `:`), else what Compose itself picks (`compose.yaml`, `compose.yml`,
 *   `docker-compose.yaml`, `docker-compose.yml`, the first that exists, plus its `.override` file). envplane's file
 *   comes after them, so its wiring wins where both set a value.
 * - Compose's global options stay before the subcommand, in the user's order.
 */
import { EnvplaneError } from '../errors.ts';

export interface ComposeVersion {
  /** `v2`: the `docker compose` plugin (or a `docker-compose` binary of version 2); `v1`: Python docker-compose. */
  kind: 'v1' | 'v2';
  /** `2.29.1`, `1.29.2`. */
  version: string;
  /** The program and its leading arguments: `['docker', 'compose']` or `['docker-compose']`. */
  argv: string[];
}

/** Feature thresholds of Compose v2, each documented in docs/commands/compose.md. */
export const FEATURES = {
  /** `secrets.<name>.environment` (a secret's value taken from a variable): Compose 2.6.0. */
  environmentSecrets: '2.6.0',
  /** `build.secrets` in a service's build section: Compose 2.5.0 (docker-compose v1 rejects it). */
  buildSecrets: '2.5.0',
  /** `env_file: [{path, format: raw}]`: Compose 2.30.0. */
  rawEnvFile: '2.30.0',
} as const;

export function supports(compose: ComposeVersion, feature: keyof typeof FEATURES): boolean {
  return compose.kind === 'v2' && compareVersions(compose.version, FEATURES[feature]) >= 0;
}

/** `1.2.3` vs `1.10.0`, numerically per part; a suffix (`-rc.1`, `+desktop`) is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.replace(/^v/, '').split(/[-+]/)[0] ?? '').split('.').map((p) => Number(p) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The version in `docker compose version --short` / `docker-compose version --short` output. */
export function parseComposeVersion(text: string): string | undefined {
  return /v?(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?)/.exec(text.trim())?.[1];
}

/** Global options of `docker compose` (and v1) that take a value; `-f`/`--file` are handled apart. */
const GLOBAL_WITH_VALUE = new Set([
  '-p',
  '--project-name',
  '--project-directory',
  '--env-file',
  '--profile',
  '--ansi',
  '--progress',
  '--parallel',
  '-H',
  '--host',
  '--context',
  '-c',
  '--log-level',
  '--tlscacert',
  '--tlscert',
  '--tlskey',
]);

export interface SplitArgs {
  /** Global options other than files, in order. */
  globals: string[];
  /** `-f` files, in order. */
  files: string[];
  /** The subcommand and everything after it (`up -d`, `config`, `run --rm backend sh`). */
  command: string[];
}

/** Splits the user's arguments at the subcommand: what comes before it are Compose's global options. */
export function splitComposeArgs(args: readonly string[]): SplitArgs {
  const out: SplitArgs = { globals: [], files: [], command: [] };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq !== -1 ? arg.slice(eq + 1) : undefined;
    if (name === '-f' || name === '--file') {
      const value = inline ?? args[++i];
      if (value === undefined)
        throw new EnvplaneError('usage', `${name} needs a file`, {
          hint: 'e.g. envplane compose --env dev -- -f compose.yaml up',
        });
      out.files.push(value);
    } else if (/^-f./.test(arg)) out.files.push(arg.slice(2));
    else if (GLOBAL_WITH_VALUE.has(name) && inline === undefined) {
      const value = args[++i];
      if (value === undefined)
        throw new EnvplaneError('usage', `${name} needs a value`, { hint: 'see docker compose --help' });
      out.globals.push(arg, value);
    } else out.globals.push(arg);
  }
  out.command = args.slice(i);
  return out;
}

/** Compose's own default files, in its order of preference. */
export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/**
 * The user's compose files: their `-f` files, else `COMPOSE_FILE`, else Compose's default (the first of
 * `DEFAULT_FILES` that exists) and its override file. `exists` answers for paths relative to the project.
 */
export function userComposeFiles(
  split: SplitArgs,
  env: { COMPOSE_FILE?: string | undefined; COMPOSE_PATH_SEPARATOR?: string | undefined },
  exists: (file: string) => boolean,
): { files: string[]; from: '-f' | 'COMPOSE_FILE' | 'default' } {
  if (split.files.length > 0) return { files: split.files, from: '-f' };
  if (env.COMPOSE_FILE)
    return {
      files: env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ':').filter((f) => f !== ''),
      from: 'COMPOSE_FILE',
    };
  const base = DEFAULT_FILES.find(exists);
  if (base === undefined)
    throw new EnvplaneError(
      'input',
      'no compose file: none of compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml',
      {
        hint: 'write one (or name yours with -f after --, or COMPOSE_FILE); `envplane render compose --mode standalone` writes a complete one',
      },
    );
  const override = base.replace(/\.ya?ml$/, (ext) => `.override${ext}`);
  return { files: exists(override) ? [base, override] : [base], from: 'default' };
}

/** The final argument vector after the program: globals, the user's files, envplane's file, the subcommand. */
export function composeArgv(split: SplitArgs, userFiles: readonly string[], wiring: string): string[] {
  return [...split.globals, ...userFiles.flatMap((f) => ['-f', f]), '-f', wiring, ...split.command];
}

/** Subcommands after which nothing outlives the Compose process, so a folder of secret files can go at once. */
export const TRANSIENT = new Set([
  'config',
  'convert',
  'version',
  'ls',
  'ps',
  'images',
  'logs',
  'top',
  'port',
  'events',
]);

/** The variable that carries one environment-sourced secret into Compose's own process environment. */
export function secretVariable(source: string): string {
  return `ENVPLANE_SECRET_${source.replace(/[^A-Za-z0-9_]/g, '_')}`;
}
