/** Picking the environment and the instance from flags; no loader here, so every command can import it cheaply. */
import { EnvplaneError } from '../errors.ts';
import type { Environment } from '../manifest/types.ts';
import type { Project } from '../project/_root.ts';
import { findEnvironment, findInstance } from '../resolve/instances.ts';
import type { Instance } from '../resolve/types.ts';

export function required(value: string | undefined, flag: string, hint?: string): string {
  if (value === undefined || value === '') throw new EnvplaneError('usage', `missing --${flag}`, hint ? { hint } : {});
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
