/**
 * `envplane start --env dev [instances…]`: every instance's own `command:` (from the manifest) under exactly its
 * bundle, together: one line-prefixed, redacted log stream, a readiness check per instance, every exit reported.
 * Ctrl-C or SIGTERM stops them all and removes every secrets folder; SIGHUP, or `envplane restart <service>` through
 * the control socket, replaces a service's instances one at a time.
 */
import { defineCommand } from 'citty';
import { constants } from 'node:os';
import { FORWARDED_SIGNALS } from '../../io/child.ts';
import { controlSocketPath, serveControl } from '../../io/control.ts';
import { dirArg, envArg, jsonArg } from '../_args.ts';
import { invalidFlagValue } from '../_flags.ts';
import { required } from '../_instance.ts';
import { styleErr } from '../_style.ts';
import { type SessionEvent, StartSession } from './_start-session.ts';

export default defineCommand({
  meta: {
    name: 'start',
    description:
      'Run every instance’s command under its own bundle, together: prefixed redacted logs, readiness, restarts',
  },
  args: {
    instances: {
      type: 'positional',
      required: false,
      description:
        'Instances (`etl@wex`) or services (`etl`: all of its instances); default: every service with a command',
      valueHint: 'instance…',
    },
    ...envArg,
    pristine: {
      type: 'boolean',
      description: 'Start each instance from an empty environment (only PATH, HOME and its bundle) (default: false)',
    },
    'ready-timeout': {
      type: 'string',
      description: 'Seconds an instance may take to become ready before it is reported not ready (default: 60)',
      valueHint: 'seconds',
      default: '60',
    },
    grace: {
      type: 'string',
      description: 'Seconds between the stop signal and SIGKILL (default: 10)',
      valueHint: 'seconds',
      default: '10',
    },
    ...jsonArg,
    ...dirArg,
  },
  async run({ args }) {
    const environment = required(args.env, 'env', 'name an environment, e.g. --env development');
    const readyTimeoutMs = seconds(args['ready-timeout'], 'ready-timeout');
    const graceMs = seconds(args.grace, 'grace');
    const names = (args.instances as unknown as string[] | undefined) ?? [];
    const json = args.json === true;
    const report = (event: SessionEvent) => process.stderr.write(json ? `${JSON.stringify(event)}\n` : describe(event));

    // Signals are trapped before the first value is read (as `run` does): left to Node's default, a Ctrl-C while
    // the folders are filled would leave values on disk, SIGQUIT would dump a core holding them.
    let received: NodeJS.Signals | undefined;
    let session: StartSession | undefined;
    let stopped: Promise<void> | undefined;
    let onStopped: () => void = () => {};
    const stopRequested = new Promise<void>((resolve) => {
      onStopped = resolve;
    });
    const stop = () => {
      stopped ??= (session?.stop() ?? Promise.resolve()).then(onStopped);
      return stopped;
    };
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const signal of FORWARDED_SIGNALS) {
      const handler = () => {
        if (signal === 'SIGINT' || signal === 'SIGTERM') {
          received ??= signal;
          stop();
        } else if (signal === 'SIGHUP') {
          if (!session || received) return;
          const s = session;
          for (const service of s.services()) s.restart(service).catch(() => undefined);
        } else session?.signalAll(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
    const removeDirs = () => session?.removeAllDirs();
    process.prependOnceListener('exit', removeDirs);
    let control: { close(): void } | undefined;
    try {
      session = new StartSession({
        ...(args.dir ? { dir: args.dir } : {}),
        environment,
        pristine: args.pristine === true,
        readyTimeoutMs,
        graceMs,
        report,
        line: (text) => process.stdout.write(`${text}\n`),
      });
      const s = session;
      control = await serveControl(controlSocketPath(s.root, s.environmentName), (request, send) =>
        request.op === 'status' ? Promise.resolve(s.status()) : s.restart(request.service, send),
      );
      if (received === undefined) await s.start(names);
      const status = received === undefined ? await Promise.race([s.finished, stopRequested]) : undefined;
      await stop();
      if (received) return 128 + (constants.signals[received] ?? 0);
      if (typeof status === 'number' && status !== 0)
        process.stderr.write(
          `${styleErr.red('envplane start')}: every instance has exited; the first failure had status ${status}\n`,
        );
      return typeof status === 'number' ? status : 0;
    } catch (error) {
      await stop();
      throw error;
    } finally {
      control?.close();
      removeDirs();
      process.off('exit', removeDirs);
      for (const [signal, handler] of handlers) process.off(signal, handler);
    }
  },
});

function seconds(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value) || !(n > 0))
    throw invalidFlagValue(flag, 'a positive number of seconds');
  return n * 1000;
}

/** envplane's own status line for an event (stderr; instance output goes to stdout). */
function describe(event: SessionEvent): string {
  const tag = styleErr.dim('envplane');
  switch (event.event) {
    case 'launching':
      return `${tag} ${event.instance}: ${event.argv.join(' ')}${event.port !== undefined ? ` (port ${event.port})` : ''}\n`;
    case 'started':
      return `${tag} ${event.instance} started (pid ${event.pid})\n`;
    case 'ready':
      return `${tag} ${event.instance} ${styleErr.green('ready')}\n`;
    case 'all-ready':
      return `${tag} all ${event.instances} instance(s) ready\n`;
    case 'not-ready':
      return `${tag} ${event.instance} ${styleErr.yellow('not ready')}: ${event.reason}\n`;
    case 'exited':
      return `${tag} ${event.instance} exited with status ${event.status}${event.expected ? ' (stopped)' : ''}\n`;
    case 'failed':
      return `${tag} ${event.instance} ${styleErr.red('failed')}: ${event.reason}\n`;
    case 'restarting':
      return `${tag} ${event.instance} restarting\n`;
    case 'restarted':
      return `${tag} ${event.instance} restarted (pid ${event.pid})\n`;
    case 'restart-failed':
      return `${tag} ${event.instance} ${styleErr.red('restart failed')}: ${event.reason}\n`;
  }
}
