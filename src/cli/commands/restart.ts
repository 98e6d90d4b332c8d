/**
 * `envplane restart --env dev <service>`: asks the running `envplane start` of this project and environment to
 * replace the service's instances one at a time (each with its bundle read again, on its port, ready before the
 * next) and waits until it is done: exit 0 when every instance was replaced and is ready, 1 otherwise.
 */
import { defineCommand } from 'citty';
import { controlSocketPath, requestControl } from '../../io/control.ts';
import { findProjectRoot } from '../../project/_root.ts';
import { EnvplaneError } from '../../errors.ts';
import { dirArg, envArg, jsonArg } from '../_args.ts';
import { loadProjectCached } from '../../project/load-cached.ts';
import { required, requiredArgument } from '../_instance.ts';
import { findEnvironment } from '../../resolve/instances.ts';
import { restartableService } from '../../resolve/start.ts';
import { writeStdout } from '../_output.ts';

export default defineCommand({
  meta: {
    name: 'restart',
    description: 'Rolling restart of one service’s instances in the running `envplane start` (waits until ready)',
  },
  args: {
    service: { type: 'positional', required: false, description: 'The service whose instances to replace' },
    ...envArg,
    ...jsonArg,
    ...dirArg,
  },
  async run({ args }) {
    const envName = required(args.env, 'env', 'name the environment `envplane start` runs, e.g. --env development');
    const service = requiredArgument(args.service, 'service', 'e.g. envplane restart --env dev etl');
    const root = findProjectRoot(args.dir ?? process.cwd());
    const project = await loadProjectCached({ dir: root, environment: envName });
    const environment = findEnvironment(project.manifest, envName);
    restartableService(project.manifest, service);
    const progress = (m: Record<string, unknown>) => {
      if (!args.json) process.stderr.write(`envplane ${String(m.instance)} ${String(m.event)}\n`);
    };
    const reply = await requestControl(
      controlSocketPath(project.root, environment.name),
      { op: 'restart', service },
      progress,
    );
    if (args.json) writeStdout(`${JSON.stringify(reply)}\n`);
    if (reply.ok !== true) {
      if (args.json) return 1;
      throw new EnvplaneError('failure', `the rolling restart of ${service} stopped: ${String(reply.error)}`, {
        hint: 'the instances not yet replaced still run; see the log of envplane start',
      });
    }
    if (!args.json) {
      const restarted = (reply.restarted as { instance: string; pid: number }[]) ?? [];
      writeStdout(`${restarted.map((r) => `${r.instance} restarted (pid ${r.pid}), ready`).join('\n')}\n`);
    }
    return 0;
  },
});
