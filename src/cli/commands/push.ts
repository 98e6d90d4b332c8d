/**
 * `envplane push --to swarm`: create an external store's secrets in Docker Swarm. Everything is read and checked
 * first (names, sizes, missing values); only then does docker run, with each value on stdin.
 */
import { resolve } from 'node:path';
import { defineCommand } from 'citty';
import { EnvplaneError } from '../../errors.ts';
import { createSwarmSecret, removeSwarmSecret, swarmSecretExists } from '../../io/docker.ts';
import type { Environment } from '../../manifest/types.ts';
import { loadProject, type Project } from '../../project/load.ts';
import { resolveBundle } from '../../resolve/bundle.ts';
import { findEnvironment, listInstances } from '../../resolve/instances.ts';
import type { SecretLocation } from '../../resolve/types.ts';
import { readSecretValue } from '../../stores/read.ts';
import { secretSource } from '../../targets/_compose.ts';
import { checkSwarmValue, type SwarmSecret, swarmSecrets } from '../../targets/_swarm-secrets.ts';
import { dirArg, envArg, jsonArg } from '../_args.ts';
import { invalidFlagValue } from '../_flags.ts';
import { required } from '../_context.ts';
import { appendAudit } from '../../audit/log.ts';
import { style, styleErr } from '../_style.ts';

const args = {
  to: { type: 'string', description: 'Where to create the secrets: swarm (required)', valueHint: 'swarm' },
  ...envArg,
  from: {
    type: 'string',
    description: 'Read values from this environment’s files store (default: none; this or --from-dir is required)',
    valueHint: 'env',
  },
  'from-dir': {
    type: 'string',
    description: 'Read values from <dir>/<name>.txt and <dir>/<tenant>/<name>.txt (default: none)',
    valueHint: 'dir',
  },
  'allow-shared-values': {
    type: 'boolean',
    description:
      'With --from <another env>: copy that environment’s values anyway, warning about each shared secret (default: false: refused)',
  },
  'dry-run': { type: 'boolean', description: 'Print the plan (names only) and run nothing (default: false)' },
  replace: {
    type: 'boolean',
    description: 'Replace secrets that already exist (docker secret rm, then create) (default: false: keep them)',
  },
  ...jsonArg,
  ...dirArg,
} as const;

interface Step {
  name: string;
  key: string;
  tenant?: string;
  /** Where the value is read from, as shown to the user. */
  from: string;
  value?: string;
}

export default defineCommand({
  meta: { name: 'push', description: 'Create an environment’s secrets in Docker Swarm (values on stdin only)' },
  args,
  run({ args: a }) {
    const to = required(a.to, 'to', 'usage: envplane push --to swarm --env <env> --from <env>');
    if (to !== 'swarm') throw invalidFlagValue('to', '"swarm"', 'push supports: swarm');
    const envName = required(a.env, 'env', 'name the environment whose secrets to create, e.g. --env production');
    if ((a.from === undefined) === (a['from-dir'] === undefined))
      throw new EnvplaneError(
        'usage',
        'name where the values come from: --from <env> or --from-dir <dir> (one of them)',
        {
          hint: `${envName}'s external store holds no values envplane can read; e.g. --from development, or a folder of <name>.txt files`,
        },
      );
    const project = loadProject(a.dir ? { dir: a.dir } : {});
    const environment = findEnvironment(project.manifest, envName);
    const source = a.from === undefined ? undefined : findEnvironment(project.manifest, a.from);
    const shared = source !== undefined && source.name !== environment.name;
    if (shared && !a['allow-shared-values'])
      throw new EnvplaneError(
        'usage',
        `--from ${a.from} would copy ${source.name}'s secret values into ${environment.name}: the same secrets in two environments`,
        {
          hint: `give ${environment.name} its own values: put them in a folder laid out like a files store and use --from-dir <dir>; or pass --allow-shared-values to copy ${source.name}'s values anyway`,
        },
      );
    const bundles = listInstances(project.manifest).map((i) =>
      resolveBundle(project.manifest, project.layers, environment, i),
    );
    const secrets = swarmSecrets(project.manifest, environment, bundles);
    const locate = a['from-dir'] !== undefined ? fromDir(resolve(a['from-dir'])) : fromEnvironment(project, a.from!);

    // Read and check everything before running anything: a bad value stops the push before the first create.
    const steps: Step[] = [];
    const missing: string[] = [];
    for (const secret of secrets) {
      const { root, location, shown } = locate(secret);
      const value = readSecretValue(root, location, project.layers);
      if (value === undefined) {
        if (secret.required) missing.push(`${secret.name} (from ${shown})`);
        steps.push({ ...base(secret), from: shown });
        continue;
      }
      checkSwarmValue(secret.name, value);
      steps.push({ ...base(secret), from: shown, value });
    }
    if (missing.length > 0)
      throw new EnvplaneError('input', `missing values for required secrets: ${missing.join(', ')}`, {
        hint: 'create them first (envplane setup), or read them from elsewhere with --from / --from-dir',
      });

    // Warned by name, before anything runs, so that the copy is a decision and not an accident.
    if (shared)
      for (const step of steps)
        if (step.value !== undefined)
          process.stderr.write(
            `${styleErr.yellow('warning')}: ${environment.name}'s ${step.tenant === undefined ? step.key : `${step.key}@${step.tenant}`} (${step.name}) gets ${source.name}'s value (${step.from}): the two environments share it until one is rotated\n`,
          );
    if (a['dry-run']) return printPlan(steps, environment, a.json === true);
    const done: { name: string; action: 'created' | 'replaced' | 'kept' | 'skipped' }[] = [];
    for (const step of steps) {
      if (step.value === undefined) {
        done.push({ name: step.name, action: 'skipped' });
        continue;
      }
      const exists = swarmSecretExists(step.name);
      if (exists && !a.replace) {
        done.push({ name: step.name, action: 'kept' });
        continue;
      }
      if (exists) removeSwarmSecret(step.name);
      createSwarmSecret(step.name, step.value, {
        'io.envplane.project': project.manifest.project,
        'io.envplane.key': step.key,
      });
      done.push({ name: step.name, action: exists ? 'replaced' : 'created' });
    }
    const pushed = done.filter((d) => d.action === 'created' || d.action === 'replaced').map((d) => d.name);
    if (pushed.length > 0) auditPush(project.root, environment.name, pushed);
    if (a.json) process.stdout.write(`${JSON.stringify({ environment: environment.name, secrets: done }, null, 2)}\n`);
    else
      for (const d of done)
        process.stdout.write(
          `${d.action === 'kept' || d.action === 'skipped' ? style.dim(d.action) : style.green(d.action)} ${d.name}${d.action === 'kept' ? style.dim(' (exists; --replace to replace it)') : ''}${d.action === 'skipped' ? style.dim(' (optional, no value)') : ''}\n`,
        );
    return 0;
  },
});

function base(secret: SwarmSecret) {
  return { name: secret.name, key: secret.key, ...(secret.tenant !== undefined ? { tenant: secret.tenant } : {}) };
}

type Locate = (secret: SwarmSecret) => { root: string; location: SecretLocation; shown: string };

function fromDir(dir: string): Locate {
  return (secret) => {
    const path = secret.tenant === undefined ? `${secret.key}.txt` : `${secret.tenant}/${secret.key}.txt`;
    return { root: dir, location: { kind: 'file', path }, shown: `${dir}/${path}` };
  };
}

/** The same instance's secret in another environment, whose files store (or a layer) holds the value. */
function fromEnvironment(project: Project, name: string): Locate {
  const source: Environment = findEnvironment(project.manifest, name);
  if (source.secrets.kind !== 'files')
    throw new EnvplaneError(
      'usage',
      `--from ${name}: that environment's store is external too; envplane holds no values there`,
      {
        hint: 'name an environment with a files store, or use --from-dir <dir>',
      },
    );
  const locations = new Map<string, SecretLocation>();
  for (const instance of listInstances(project.manifest))
    for (const ref of resolveBundle(project.manifest, project.layers, source, instance).secrets)
      locations.set(secretSource(ref), ref.location);
  return (secret) => {
    const location = locations.get(
      secretSource({ name: secret.key, ...(secret.tenant !== undefined ? { tenant: secret.tenant } : {}) }),
    );
    if (!location)
      throw new EnvplaneError('input', `no instance uses ${secret.key} in ${source.name}`, {
        hint: 'use --from-dir for this one',
      });
    const shown =
      location.kind === 'file'
        ? location.path
        : location.kind === 'layer'
          ? `${location.file}:${location.line}`
          : location.kind === 'store'
            ? location.ref
            : location.name;
    return { root: project.root, location, shown };
  };
}

function printPlan(steps: Step[], environment: Environment, json: boolean): number {
  if (json) {
    const plan = steps.map((s) => ({
      name: s.name,
      key: s.key,
      tenant: s.tenant ?? null,
      from: s.from,
      action: s.value === undefined ? 'skip' : 'create',
    }));
    process.stdout.write(
      `${JSON.stringify({ environment: environment.name, dryRun: true, secrets: plan }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(
    `Plan for ${environment.name} (dry run: nothing runs; values go to \`docker secret create NAME -\` on stdin)\n`,
  );
  for (const s of steps)
    process.stdout.write(
      `  ${s.value === undefined ? style.dim('skip  ') : 'create'} ${s.name}  ${style.dim(`← ${s.from}`)}\n`,
    );
  return 0;
}

function auditPush(root: string, environment: string, secrets: string[]): void {
  appendAudit(root, { command: 'push', action: 'push', environment, secrets });
}
