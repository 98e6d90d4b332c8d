import { readFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { appendAudit } from '../../audit/log.ts';
import { EnvplaneError } from '../../errors.ts';
import { withLock } from '../../io/lock.ts';
import { unknownHint } from '../../manifest/_suggest.ts';
import type { Key, Manifest } from '../../manifest/types.ts';
import { loadProject } from '../../project/load.ts';
import { findEnvironment } from '../../resolve/instances.ts';
import { storeLocation } from '../../resolve/secrets.ts';
import { secretNeeds } from '../../setup/needs.ts';
import { PREVIOUS_SUFFIX } from '../../stores/files.ts';
import { generateValue } from '../../stores/generate.ts';
import { rollbackFile, rotateFile } from '../../stores/rotate.ts';
import { recordRotations } from '../../stores/state.ts';
import { dirArg, jsonArg } from '../_args.ts';
import { required } from '../_context.ts';
import { style } from '../_style.ts';

export default defineCommand({
  meta: {
    name: 'rotate',
    description: 'Replace a secret’s value atomically, keeping the previous one for one --rollback',
  },
  args: {
    secret: { type: 'positional', description: 'Secret name, e.g. postgres_password', required: false },
    env: { type: 'string', alias: 'e', description: 'Environment name or alias (required)', valueHint: 'env' },
    tenant: { type: 'string', alias: 't', description: 'Tenant, for a per-tenant secret', valueHint: 'tenant' },
    'from-stdin': {
      type: 'boolean',
      description:
        'Read the new value from stdin (one trailing newline dropped) instead of generating it (default: false)',
    },
    rollback: { type: 'boolean', description: 'Put back the value the last rotation replaced (default: false)' },
    'dry-run': { type: 'boolean', description: 'Say what would change and write nothing (default: false)' },
    ...jsonArg,
    ...dirArg,
  },
  run({ args }) {
    const name = args.secret;
    if (!name)
      throw new EnvplaneError('usage', 'missing the secret to rotate', {
        hint: 'envplane rotate <secret> --env <env> (see envplane rotate --help)',
      });
    const envName = required(args.env, 'env', 'name an environment, e.g. --env development');
    if (args.rollback && args['from-stdin'])
      throw new EnvplaneError('usage', '--rollback and --from-stdin do not go together', {
        hint: 'a rollback puts back the previous value; it takes no new one',
      });
    const project = loadProject({ ...(args.dir ? { dir: args.dir } : {}), environment: envName });
    const environment = findEnvironment(project.manifest, envName);
    const key = findSecret(project.manifest, name);
    const tenant = checkTenant(project.manifest, key, args.tenant);
    const store = environment.secrets;
    if (store.kind !== 'files')
      throw new EnvplaneError('usage', `${environment.name} keeps its secrets in an external store`, {
        hint: 'rotate it where it lives (e.g. `docker secret create` a new version) or with `envplane push`',
      });
    const inLayer = secretNeeds(project.manifest, project.layers, environment).find(
      (n) => n.key.name === key.name && n.tenant === tenant && n.location.kind === 'layer',
    );
    if (inLayer?.location.kind === 'layer')
      throw new EnvplaneError('input', `${key.name} is set in a config file, not in the secret store`, {
        location: { file: inLayer.location.file, line: inLayer.location.line },
        hint: 'move it into the store first with `envplane migrate`',
      });
    const location = storeLocation(environment, key, tenant);
    if (location.kind !== 'file') throw new Error('rotate: files store without a file location');
    const file = { storeDir: store.dir, path: location.path };
    const shown = tenant === undefined ? key.name : `${key.name}@${tenant}`;

    let value: string | undefined;
    if (!args.rollback) {
      if (args['from-stdin']) value = readValueFromStdin();
      else if (!key.generate)
        throw new EnvplaneError('usage', `${key.name} has no generation rule; pass the new value with --from-stdin`, {
          hint: `e.g. \`pbpaste | envplane rotate ${key.name} --env ${environment.name} --from-stdin\` (never as an argument: argv is visible to every user)`,
        });
    }
    const action = args.rollback ? 'rollback' : 'rotate';
    if (!args['dry-run'])
      withLock(project.root, () => {
        if (args.rollback) rollbackFile(project.root, file);
        else rotateFile(project.root, file, value ?? generateValue(key.generate!));
        recordRotations(project.root, [
          {
            environment: environment.name,
            secret: key.name,
            ...(tenant !== undefined ? { tenant } : {}),
            rotatedAt: new Date().toISOString(),
            by: action,
          },
        ]);
        appendAudit(project.root, { command: 'rotate', action, environment: environment.name, secrets: [shown] });
      });
    const result = {
      dryRun: Boolean(args['dry-run']),
      action,
      environment: environment.name,
      secret: key.name,
      tenant: tenant ?? null,
      path: file.path,
      previous: args.rollback ? null : file.path + PREVIOUS_SUFFIX,
      source: args.rollback ? 'previous' : args['from-stdin'] ? 'stdin' : 'generated',
    };
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(rotateText(result));
  },
});

function rotateText(r: {
  dryRun: boolean;
  action: string;
  secret: string;
  tenant: string | null;
  environment: string;
  path: string;
  previous: string | null;
}): string {
  const who = r.tenant ? `${r.secret}@${r.tenant}` : r.secret;
  const lines =
    r.action === 'rollback'
      ? [`${r.dryRun ? 'would roll back' : 'rolled back'} ${style.bold(who)} in ${r.environment}: ${r.path}`]
      : [
          `${r.dryRun ? 'would rotate' : 'rotated'} ${style.bold(who)} in ${r.environment}: ${r.path}`,
          style.dim(`  the replaced value is kept in ${r.previous} for one \`--rollback\``),
        ];
  if (!r.dryRun) lines.push(style.dim('  restart the services that read it so they pick up the new value'));
  else lines.push(style.dim('  dry run: nothing was written'));
  return `${lines.join('\n')}\n`;
}

function findSecret(manifest: Manifest, name: string): Key {
  const key = manifest.keys[name];
  if (!key)
    throw new EnvplaneError('usage', `unknown secret "${name}"`, {
      hint: unknownHint(
        name,
        Object.values(manifest.keys)
          .filter((k) => k.plane === 'secret' || k.plane === 'build')
          .map((k) => k.name),
        'secrets',
      ),
    });
  if (key.plane !== 'secret' && key.plane !== 'build')
    throw new EnvplaneError('usage', `${name} is a ${key.plane} key, not a secret`, {
      hint: 'only secret and build keys live in the secret store',
    });
  return key;
}

function checkTenant(manifest: Manifest, key: Key, tenant: string | undefined): string | undefined {
  if (!key.perTenant) {
    if (tenant !== undefined)
      throw new EnvplaneError('usage', `${key.name} is not per tenant; drop --tenant`, {
        hint: 'only keys with `perTenant: true` have one value per tenant',
      });
    return undefined;
  }
  if (tenant === undefined)
    throw new EnvplaneError('usage', `${key.name} has one value per tenant; name one with --tenant`, {
      hint: `tenants: ${manifest.tenants.join(', ')}`,
    });
  if (!manifest.tenants.includes(tenant))
    throw new EnvplaneError('usage', `unknown tenant "${tenant}"`, {
      hint: unknownHint(tenant, manifest.tenants, 'tenants'),
    });
  return tenant;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The new value from stdin: strict UTF-8, one trailing newline dropped, never empty, never a NUL byte. */
function readValueFromStdin(): string {
  let text: string;
  try {
    text = strictUtf8.decode(readFileSync(0));
  } catch (error) {
    if (error instanceof TypeError)
      throw new EnvplaneError('input', 'the value on stdin is not valid UTF-8', { location: { file: '<stdin>' } });
    throw new EnvplaneError('input', 'cannot read stdin', { location: { file: '<stdin>' } });
  }
  const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  if (value === '')
    throw new EnvplaneError('input', 'the value on stdin is empty', {
      location: { file: '<stdin>' },
      hint: 'pipe the new value in, e.g. `envplane rotate <secret> --env <env> --from-stdin < file`',
    });
  if (value.includes('\0'))
    throw new EnvplaneError('input', 'the value on stdin contains a NUL byte', {
      location: { file: '<stdin>' },
      hint: 'secret files are text; a NUL byte would cut the value short for most readers',
    });
  return value;
}
