/**
 * `loadInstance` through the manifest cache, for commands whose start-up time matters (`env`, `explain`, `run`).
 * A separate file because `_context.ts` imports the full loader, and with it the YAML parser, statically.
 */
import { loadProjectCached } from '../project/load-cached.ts';
import {
  type InstanceArgs,
  type InstanceContext,
  type LayerScope,
  loadOptions,
  pick,
  requiredNames,
} from './_instance.ts';

export async function loadInstanceCached(args: InstanceArgs, scope: LayerScope = 'instance'): Promise<InstanceContext> {
  const { envName, serviceName } = requiredNames(args);
  const project = await loadProjectCached({ ...loadOptions(args, scope), environment: envName });
  return pick(project, envName, serviceName, args.tenant);
}
