/** The usual first steps of a command: load the project, pick the environment and the instance. */
import { loadProject } from '../project/load.ts';
import {
  type InstanceArgs,
  type InstanceContext,
  type LayerScope,
  loadOptions,
  pick,
  requiredNames,
} from './_instance.ts';

export { required, requiredArgument, type InstanceArgs, type InstanceContext } from './_instance.ts';

export function loadInstance(args: InstanceArgs, scope: LayerScope = 'instance'): InstanceContext {
  const { envName, serviceName } = requiredNames(args);
  return pick(loadProject(loadOptions(args, scope)), envName, serviceName, args.tenant);
}
