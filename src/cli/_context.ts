/** The usual first steps of a command: load the project, pick the environment and the instance. */
import { loadProject } from '../project/load.ts';
import { type InstanceArgs, type InstanceContext, pick, requiredNames } from './_instance.ts';

export { required, type InstanceArgs, type InstanceContext } from './_instance.ts';

export function loadInstance(args: InstanceArgs): InstanceContext {
  const { envName, serviceName } = requiredNames(args);
  return pick(
    loadProject({ ...(args.dir ? { dir: args.dir } : {}), environment: envName }),
    envName,
    serviceName,
    args.tenant,
  );
}
