/**
 * `loadInstance` through the manifest cache, for commands whose start-up time matters (`env`, `explain`, `run`).
 * A separate file because `_context.ts` imports the full loader, and with it the YAML parser, statically.
 */
import { loadProjectCached } from '../project/load-cached.ts';
import type { InstanceArgs, InstanceContext } from './_instance.ts';
import { pick, requiredNames } from './_instance.ts';

export async function loadInstanceCached(args: InstanceArgs): Promise<InstanceContext> {
  const { envName, serviceName } = requiredNames(args);
  const project = await loadProjectCached({
    ...(args.dir ? { dir: args.dir } : {}),
    environment: envName,
    instance: { service: serviceName, tenant: args.tenant },
  });
  return pick(project, envName, serviceName, args.tenant);
}
