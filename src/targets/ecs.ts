/**
 * `render ecs`: container-definition fragments, one per instance: `environment` with the declared config keys only,
 * and `secrets[].valueFrom` ARNs (values in `environment` are readable by anyone who can read the task definition).
 * ECS injects a secret as an environment variable, named after its fileEnv without `_FILE`. Pure.
 */
import { EnvplaneError } from '../errors.ts';
import type { Environment, Manifest } from '../manifest/types.ts';
import type { Bundle } from '../resolve/types.ts';
import { checkValueFrom, fillArn } from './_arn.ts';
import { type ComposeContext, deliveredLocation, secretSource } from './_compose.ts';
import type { Rendering } from './types.ts';

export interface EcsOptions {
  manifest: Manifest;
  environment: Environment;
  bundles: Bundle[];
  arnTemplate: string;
  region?: string;
  account?: string;
  path?: string;
}

export function defaultEcsPath(environment: Environment): string {
  return `ecs.${environment.name}.json`;
}

/** `POSTGRES_PASSWORD_FILE` → `POSTGRES_PASSWORD`; the runtime reads `X_FILE` first, then `X`. */
export function ecsVariable(fileEnv: string, name: string): string {
  return fileEnv.endsWith('_FILE') && fileEnv.length > 5 ? fileEnv.slice(0, -5) : name.toUpperCase();
}

export function renderEcs(options: EcsOptions): Rendering {
  const ctx: ComposeContext = { ...options, dir: '', warnings: [] };
  const store = options.environment.secrets;
  // valueFrom → the one secret (name@tenant) it may stand for: a template without {secret}, or with {name} but no
  // {tenant}, would point every tenant's container at one tenant's value.
  const owners = new Map<string, string>();
  const containerDefinitions = options.bundles.map((bundle) => {
    const environment = bundle.config.flatMap((c) => (c.value === undefined ? [] : [{ name: c.key, value: c.value }]));
    const secrets = bundle.secrets.map((s) => {
      const location = deliveredLocation(ctx, bundle, s);
      const valueFrom = fillArn(options.arnTemplate, {
        ...(options.region ? { region: options.region } : {}),
        ...(options.account ? { account: options.account } : {}),
        prefix: store.kind === 'external' ? store.prefix : '',
        name: s.name,
        ...(s.tenant !== undefined ? { tenant: s.tenant } : {}),
        secret: location.kind === 'external' ? location.name : secretSource(s),
      });
      checkValueFrom(valueFrom, `${s.name} (${bundle.instance.id})`);
      const owner = s.tenant === undefined ? s.name : `${s.name}@${s.tenant}`;
      const earlier = owners.get(valueFrom);
      if (earlier !== undefined && earlier !== owner)
        throw new EnvplaneError('usage', `the ARN template gives ${earlier} and ${owner} the same valueFrom`, {
          hint: 'each secret (and each tenant’s copy) needs its own: use {secret} (the store’s full name), or {name} with {tenant}, in the template (--arn-template, or the store’s arn: in envplane.yaml)',
        });
      owners.set(valueFrom, owner);
      return { name: ecsVariable(s.fileEnv, s.name), valueFrom };
    });
    // ECS sets `environment` and `secrets` in one namespace: a config key named like a secret's variable would
    // leave the container with one of the two (the manifest allows it, since a file delivery never collides).
    const configured = new Set(environment.map((e) => e.name));
    for (const [i, s] of secrets.entries())
      if (configured.has(s.name))
        throw new EnvplaneError(
          'input',
          `${bundle.instance.id}: config key ${s.name} and secret ${bundle.secrets[i]!.name} would both be the container's variable ${s.name}`,
          {
            hint: `rename the config key, or give ${bundle.secrets[i]!.name} another fileEnv in envplane.yaml (ECS names the variable after its fileEnv without _FILE)`,
          },
        );
    return { name: bundle.instance.slug, environment, secrets };
  });
  const contents = `${JSON.stringify({ containerDefinitions }, null, 2)}\n`;
  return { files: [{ path: options.path ?? defaultEcsPath(options.environment), contents }], warnings: ctx.warnings };
}
