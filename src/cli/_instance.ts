/** Picking the environment and the instance from flags; no loader here, so every command can import it cheaply. */
import { EnvplaneError } from '../errors.ts';
import type { Environment } from '../manifest/types.ts';
import type { LoadOptions, Project } from '../project/_root.ts';
import { findEnvironment, findInstance } from '../resolve/instances.ts';
import type { Instance } from '../resolve/types.ts';

export function required(value: string | undefined, flag: string, hint?: string): string {
  if (value === undefined || value === '') throw new EnvplaneError('usage', `missing --${flag}`, hint ? { hint } : {});
  return value;
}

/** A positional argument the command cannot do without: named as `<name>`, since `--name` is no option. */
export function requiredArgument(value: string | undefined, name: string, hint?: string): string {
  if (value === undefined || value === '') throw new EnvplaneError('usage', `missing <${name}>`, hint ? { hint } : {});
  return value;
}

export interface InstanceContext {
  project: Project;
  environment: Environment;
  instance: Instance;
}

export interface InstanceArgs {
  dir?: string;
  env?: string;
  service?: string;
  tenant?: string;
}

/**
 * Which layer files to read: the instance's own (what it receives; `run`, `env`, `export`), or every file of the
 * environment (`explain`, which also says where else a key is set).
 */
export type LayerScope = 'instance' | 'environment';

export function loadOptions(args: InstanceArgs, scope: LayerScope): LoadOptions {
  const { envName, serviceName } = requiredNames(args);
  return {
    ...(args.dir ? { dir: args.dir } : {}),
    environment: envName,
    ...(scope === 'instance' ? { instance: { service: serviceName, tenant: args.tenant } } : {}),
  };
}

export function requiredNames(args: InstanceArgs) {
  return {
    envName: required(args.env, 'env', 'name an environment, e.g. --env development'),
    serviceName: required(args.service, 'service', 'name a service, e.g. --service backend'),
  };
}

export function pick(
  project: Project,
  envName: string,
  serviceName: string,
  tenant: string | undefined,
): InstanceContext {
  return {
    project,
    environment: findEnvironment(project.manifest, envName),
    instance: findInstance(project.manifest, serviceName, tenant),
  };
}
