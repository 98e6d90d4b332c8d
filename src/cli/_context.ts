/** The usual first steps of a command: load the project, pick the environment and the instance. */
import { EnvplaneError } from '../errors.ts';
import type { Environment } from '../manifest/types.ts';
import { loadProject, type Project } from '../project/load.ts';
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

export function loadInstance(args: { dir?: string; env?: string; service?: string; tenant?: string }): InstanceContext {
  const envName = required(args.env, 'env', 'name an environment, e.g. --env development');
  const serviceName = required(args.service, 'service', 'name a service, e.g. --service backend');
  const project = loadProject({ ...(args.dir ? { dir: args.dir } : {}), environment: envName });
  const environment = findEnvironment(project.manifest, envName);
  const instance = findInstance(project.manifest, serviceName, args.tenant);
  return { project, environment, instance };
}
