/**
 * `envplane run`: one instance's bundle, and nothing else, handed to a child process. Config and public keys become
 * environment variables; secrets become files in a private directory (the first seed's "don't put secrets in
 * environment variables"), pointed at by each key's `fileEnv` and by ENVPLANE_SECRETS_DIR. Values are read only
 * here, never put on a command line, never printed; the directory is removed however the child ends.
 */
import { defineCommand } from 'citty';
import type { ChildProcess } from 'node:child_process';
import { EnvplaneError } from '../../errors.ts';
import { runChild, SignalRelay, stopChild } from '../../io/child.ts';
import { restoreCoreFilter } from '../../io/core.ts';
import { createSecretsDir, removeOrphans, type SecretsDir, secretsBase } from '../../io/secrets-dir.ts';
import { resolveBundle } from '../../resolve/bundle.ts';
import type { Bundle, SecretRef } from '../../resolve/types.ts';
import { isStoreCredential, readStoreValues } from '../../stores/index.ts';
import { dirArg, envArg, instanceArgs } from '../_args.ts';
import { invalidFlagValue } from '../_flags.ts';
import { loadInstanceCached } from '../_context-cached.ts';
import type { InstanceContext } from '../_instance.ts';
import { styleErr } from '../_style.ts';
import { shellLine } from '../../shell.ts';

/** The environment of a `--pristine` child before the bundle is added. */
export const PRISTINE_PATH = '/usr/local/bin:/usr/bin:/bin';
export const SECRETS_DIR_VAR = 'ENVPLANE_SECRETS_DIR';

export default defineCommand({
  meta: {
    name: 'run',
    description: 'Run a command with exactly one instance’s config (env vars) and secrets (files): run … -- <cmd>',
  },
  args: {
    ...envArg,
    ...instanceArgs,
    secrets: {
      type: 'string',
      description: 'How secrets reach the child: `files` (a private 0700 directory, <KEY>_FILE) or `env`',
      valueHint: 'files|env',
      default: 'files',
    },
    pristine: {
      type: 'boolean',
      description:
        'Start from an empty environment (only PATH, HOME and the bundle) instead of inheriting (default: false)',
    },
    redact: {
      type: 'boolean',
      description: 'Replace secret values (also base64/URL/JSON-encoded) in the child’s output (default: false)',
    },
    ...dirArg,
  },
  async run({ args, rawArgs }) {
    const [command, ...commandArgs] = childCommand(rawArgs);
    const mode = args.secrets;
    if (mode !== 'files' && mode !== 'env')
      throw invalidFlagValue('secrets', '"files" or "env"', 'files (the default) is the safe choice');
    const context = await loadInstanceCached(args);
    const bundle = resolveBundle(
      context.project.manifest,
      context.project.layers,
      context.environment,
      context.instance,
    );
    refuseUnsetRequired(context, bundle);
    // Signals are trapped before the first value is read, and released only once the directory is gone: a SIGQUIT
    // left to its default would dump a core holding the values, a SIGUSR1 would open the inspector on them.
    const relay = new SignalRelay();
    let dir: SecretsDir | undefined;
    const removeDir = () => dir?.remove();
    // First among exit listeners: on the crash path (process.exit) the secrets go before any cache write.
    process.prependOnceListener('exit', removeDir);
    try {
      const values = await readBundleSecrets(context, bundle, 'envplane run');
      if (mode === 'env') {
        refuseSharedNames(bundle, values);
        refuseNul(values);
      }
      // Work that would delay the child's start runs once it exists: the sweep for directories that killed runs left
      // behind, and the audit line (the lock, the user lookup, the hash chain, the fsync). The audit
      // stays fail-closed: if the line cannot be written, the child is stopped and run fails, so no unaudited run
      // completes.
      let audited: Promise<unknown> = Promise.resolve(undefined);
      const base = secretsBase();
      const afterSpawn = (child: ChildProcess) => {
        restoreCoreFilter(child.pid);
        dir?.recordReader(child.pid);
        removeOrphans(base);
        if (values.length === 0) return;
        audited = import('../../audit/log.ts')
          .then(({ appendAudit }) =>
            appendAudit(context.project.root, {
              command: 'run',
              action: 'deliver',
              environment: bundle.environment,
              instance: bundle.instance.id,
              secrets: values.map((v) => auditName(v.ref)),
            }),
          )
          .then(
            () => undefined,
            (error: unknown) => {
              // TERM, then KILL after a short grace: a child that traps TERM must not finish an unaudited run.
              stopChild(child);
              return error ?? new Error('audit failed');
            },
          );
      };
      if (mode === 'env' && values.length > 0)
        process.stderr.write(
          `${styleErr.yellow('warning')}: --secrets=env puts ${values.length} secret(s) in environment variables ` +
            '(visible to every child process and in crash dumps); the default --secrets=files is safer\n',
        );

      const env = baseEnv(args.pristine === true, base, declaredNames(bundle));
      for (const c of bundle.config) if (c.value !== undefined) env[c.key] = c.value;
      if (mode === 'env') for (const { ref, value } of values) env[secretEnvName(ref.name)] = value;
      else if (values.length > 0) {
        dir = createSecretsDir(base);
        for (const { ref, value } of values) env[ref.fileEnv] = dir.write(ref.name, value);
        env[SECRETS_DIR_VAR] = dir.path;
      }
      refuseOversizedVariables(env, bundle, values, mode);
      const secrets = values.map((v) => ({ name: v.ref.name, value: v.value }));
      const filter = args.redact ? await redactorFactory(secrets) : undefined;
      const code = await runChild(
        { command, args: commandArgs, env, onSpawn: afterSpawn, onExit: removeDir, ...(filter ? { filter } : {}) },
        relay,
      );
      const failure = await audited;
      if (failure !== undefined) {
        const reason =
          failure instanceof EnvplaneError ? failure.message : ((failure as NodeJS.ErrnoException).code ?? 'error');
        throw new EnvplaneError(
          'failure',
          `the audit line could not be written, so the command was stopped: ${reason}`,
          {
            hint: 'check that .envplane/ is writable and not locked by another envplane',
          },
        );
      }
      return code;
    } finally {
      removeDir();
      process.off('exit', removeDir);
      relay.release();
    }
  },
});

/**
 * A `required: true` config key that no layer and no default sets stops the run before anything starts, as a
 * missing required secret does (and as `check`'s required-key-unset reports it): the child would start without a
 * value it cannot work without.
 */
function refuseUnsetRequired(context: InstanceContext, bundle: Bundle): void {
  const { manifest } = context.project;
  const unset = bundle.config.filter((c) => (c.value ?? '') === '' && manifest.keys[c.key]?.required === true);
  if (unset.length === 0) return;
  const names = unset.map((c) => c.key);
  const layers = bundle.layers.length > 0 ? bundle.layers.join(', ') : 'a layer file';
  throw new EnvplaneError(
    'input',
    `${bundle.instance.id} in ${bundle.environment}: required config key(s) without a value: ${names.join(', ')}`,
    {
      hint: `set ${names.length > 1 ? 'them' : 'it'} in ${layers}, or give ${names.length > 1 ? 'them' : 'it'} a \`default:\` in ${manifest.file}`,
    },
  );
}

/** Everything after `--`: the child's argv, never parsed or joined into a shell line. */
function childCommand(rawArgs: string[]): [string, ...string[]] {
  const at = rawArgs.indexOf('--');
  const rest = at === -1 ? [] : rawArgs.slice(at + 1);
  if (rest.length === 0 || rest[0] === '')
    throw new EnvplaneError('usage', 'no command to run', {
      hint: 'put the command after `--`, e.g. envplane run --env dev --service backend -- node server.js',
    });
  return rest as [string, ...string[]];
}

/**
 * Inherit (then the bundle overrides), or start pristine. Inherited variables that point into another run's
 * secrets directory are dropped, so a nested `envplane run` does not pass the outer instance's secrets along; so are
 * the credentials of every store (an age identity, a Vault token) unless the instance declares the variable.
 */
export function baseEnv(
  pristine: boolean,
  secretsBaseDir: string,
  declared: ReadonlySet<string> = new Set(),
): Record<string, string> {
  if (pristine) return { PATH: PRISTINE_PATH, HOME: process.env.HOME ?? '/' };
  const env: Record<string, string> = {};
  const outerDir = process.env[SECRETS_DIR_VAR];
  const base = `${secretsBaseDir}/envplane-run-`;
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === SECRETS_DIR_VAR) continue;
    if (value.startsWith(base) || (outerDir && value.startsWith(outerDir))) continue;
    if (isStoreCredential(name) && !declared.has(name)) continue;
    env[name] = value;
  }
  return env;
}

/** The variables an instance declares: its config keys, and its secrets' names as --secrets=env delivers them. */
function declaredNames(bundle: Bundle): Set<string> {
  return new Set([...bundle.config.map((c) => c.key), ...bundle.secrets.map((s) => s.name)]);
}

/** With --secrets=env, a secret named like a config key (case aside) would silently replace it. */
function refuseSharedNames(bundle: Bundle, values: readonly SecretValue[]): void {
  for (const { ref } of values) {
    const name = secretEnvName(ref.name);
    if (bundle.config.some((c) => c.key === name))
      throw new EnvplaneError(
        'usage',
        `--secrets=env: secret ${ref.name} and config key ${name} would share a variable`,
        {
          hint: 'use the default --secrets=files, or rename one of the keys',
        },
      );
  }
}

/**
 * With --secrets=env, a value holding a NUL cannot be put in the child's environment (spawn refused it: an internal
 * error, exit 1). A file can hold it, so the default --secrets=files still delivers it.
 */
function refuseNul(values: readonly SecretValue[]): void {
  const ref = values.find((v) => v.value.includes('\0'))?.ref;
  if (ref)
    throw new EnvplaneError(
      'input',
      `--secrets=env: secret ${ref.name} (${placeOf(ref)}) holds a NUL character, which no environment variable can carry`,
      { hint: 'use the default --secrets=files (a file holds any byte), or remove the NUL from the value' },
    );
}

/**
 * Linux refuses to start a program when one `NAME=value` string of its environment is longer than MAX_ARG_STRLEN
 * (32 pages: 131,072 bytes with the NUL), which spawn reported as an internal error (E2BIG). Checked first, to name
 * the key and where its value comes from. The total (ARG_MAX) is left to the system, whose refusal is reported too.
 */
const MAX_ARG_STRLEN = 131_072;

function refuseOversizedVariables(
  env: Record<string, string>,
  bundle: Bundle,
  values: readonly SecretValue[],
  mode: 'files' | 'env',
): void {
  for (const [name, value] of Object.entries(env)) {
    const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
    if (bytes <= MAX_ARG_STRLEN) continue;
    const secret = mode === 'env' ? values.find((v) => secretEnvName(v.ref.name) === name) : undefined;
    const config = bundle.config.find((c) => c.key === name);
    const where = secret
      ? `secret ${secret.ref.name} (${placeOf(secret.ref)})`
      : config
        ? `config key ${name}${config.source.kind === 'unset' ? '' : ` (${config.source.file}${config.source.kind === 'layer' ? `:${config.source.line}` : ''})`}`
        : `inherited variable ${name}`;
    throw new EnvplaneError(
      'input',
      `${where} is ${bytes} bytes as an environment variable; the system limit for one is ${MAX_ARG_STRLEN}`,
      {
        hint: secret
          ? 'use the default --secrets=files: a file holds a value of any size'
          : config
            ? 'keep a value this large in a file and put its path in the variable instead'
            : 'unset it, or use --pristine to start from an empty environment',
      },
    );
  }
}

/** `postgres_password` → `POSTGRES_PASSWORD`: the variable name of a secret delivered with --secrets=env. */
export function secretEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

async function redactorFactory(secrets: { name: string; value: string }[]) {
  const { StreamRedactor } = await import('../../redact/redactor.ts');
  return () => new StreamRedactor(secrets);
}

export interface SecretValue {
  ref: SecretRef;
  value: string;
}

/**
 * Reads every secret value of the bundle. A required secret without a value stops the command before anything
 * runs, with every missing name and where to put it; optional ones without a value are simply not delivered.
 */
export async function readBundleSecrets(
  context: InstanceContext,
  bundle: Bundle,
  commandLine: string,
): Promise<SecretValue[]> {
  const { project, environment } = context;
  const found: SecretValue[] = [];
  const missing: SecretRef[] = [];
  const scope = { root: project.root, manifest: project.manifest, environment };
  const read = await readStoreValues(scope, bundle.secrets, project.layers);
  bundle.secrets.forEach((ref, i) => {
    const value = read[i];
    if (value !== undefined && value !== '') found.push({ ref, value });
    else if (ref.required) missing.push(ref);
  });
  if (missing.length === 0) return found;
  const first = missing[0]!.location;
  const where = missing.map((ref) => `${ref.name} (${placeOf(ref)})`).join(', ');
  const hint =
    first.kind === 'external'
      ? `the ${environment.name} store is external (Compose/Swarm secrets); ${commandLine} reads files-store secrets only — use a files store for local runs, or deploy with \`envplane render\``
      : `run \`${shellLine(['envplane', 'setup', '--env', environment.name])}\` to create missing secret files, or write the value into the path shown`;
  throw new EnvplaneError(
    'input',
    `${bundle.instance.id} in ${environment.name}: missing required secret(s): ${where}`,
    {
      hint,
    },
  );
}

function placeOf(ref: SecretRef): string {
  const location = ref.location;
  if (location.kind === 'file') return location.path;
  if (location.kind === 'external') return `external secret ${location.name}`;
  if (location.kind === 'store') return location.ref;
  return `${location.file}:${location.line}`;
}

/** How the audit log names a secret: `name`, or `name@tenant` for a per-tenant one (as setup and rotate do). */
export function auditName(ref: SecretRef): string {
  return ref.tenant === undefined ? ref.name : `${ref.name}@${ref.tenant}`;
}
