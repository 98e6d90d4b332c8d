/**
 * What `envplane start` runs: which instances (named `etl@wex`, or a service for all of its instances, or every
 * instance of every service that has a `command:`), and for each one its argv with the placeholders filled in, its
 * port and its readiness check. Pure: free ports are chosen by the caller and passed in.
 */
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from '../manifest/_suggest.ts';
import type { Manifest, StartSpec } from '../manifest/types.ts';
import { findInstance, findService, instanceOf, listInstances } from './instances.ts';
import type { Instance } from './types.ts';

export interface StartTarget {
  instance: Instance;
  spec: StartSpec;
  /** Index of the instance within its service (tenant order, from 0): a base port's offset. */
  index: number;
}

export interface StartLaunch {
  instance: Instance;
  argv: [string, ...string[]];
  /** Folder relative to the project root ('' = the root). */
  cwd: string;
  port?: number;
  ready: { kind: 'port'; port: number } | { kind: 'none' } | { kind: 'command'; argv: [string, ...string[]] };
}

/** The instances named on the command line (none: every instance of every service with a `command:`). */
export function selectStartTargets(manifest: Manifest, names: readonly string[]): StartTarget[] {
  const picked: Instance[] = [];
  if (names.length === 0) {
    picked.push(...listInstances(manifest).filter((i) => manifest.services[i.service]?.start));
    if (picked.length === 0)
      throw new EnvplaneError('input', 'no service has a `command:`, so there is nothing to start', {
        hint: 'add e.g. `command: [node, server.js, --port, "{port}"]` to a service in envplane.yaml',
      });
  } else
    for (const name of names) {
      const [service = '', tenant, extra] = name.split('@');
      if (extra !== undefined || service === '')
        throw new EnvplaneError('usage', `"${name}" is not an instance name`, {
          hint: 'name a service (`etl`: all of its instances) or one instance (`etl@wex`)',
        });
      const found = findService(manifest, service);
      const instances =
        tenant !== undefined
          ? [findInstance(manifest, service, tenant)]
          : found.perTenant
            ? found.tenants.map((t) => instanceOf(service, t))
            : [instanceOf(service)];
      for (const instance of instances) if (!picked.some((p) => p.id === instance.id)) picked.push(instance);
    }
  return picked.map((instance) => {
    const service = manifest.services[instance.service]!;
    if (!service.start)
      throw new EnvplaneError('input', `service "${service.name}" has no \`command:\` to start`, {
        hint: `add \`command: [program, args…]\` to services.${service.name} in envplane.yaml${withCommands(manifest)}`,
      });
    const index = instance.tenant === undefined ? 0 : service.tenants.indexOf(instance.tenant);
    return { instance, spec: service.start, index };
  });
}

function withCommands(manifest: Manifest): string {
  const names = Object.values(manifest.services)
    .filter((s) => s.start)
    .map((s) => s.name);
  return names.length > 0 ? ` (services with one: ${names.join(', ')})` : '';
}

/** The fixed port of a target (base + index), or undefined when a free one is to be chosen (or none is used). */
export function fixedPort(target: StartTarget): number | undefined {
  return target.spec.port === undefined ? undefined : target.spec.port + target.index;
}

/** Whether the target's command takes a `{port}` at all. */
export function usesPort(target: StartTarget): boolean {
  return target.spec.command.some((a) => a.includes('{port}'));
}

/** Fills the placeholders of one target: `{tenant}`, `{port}`, `{service}`, `{instance}`, `{env}`. */
export function launchOf(target: StartTarget, environment: string, port: number | undefined): StartLaunch {
  const { instance, spec } = target;
  const values: Record<string, string | undefined> = {
    tenant: instance.tenant,
    port: port === undefined ? undefined : String(port),
    service: instance.service,
    instance: instance.id,
    env: environment,
  };
  const fill = (words: string[]): [string, ...string[]] =>
    words.map((w) =>
      w.replace(/\{(tenant|port|service|instance|env)\}/g, (whole, name: string) => values[name] ?? whole),
    ) as [string, ...string[]];
  const ready: StartLaunch['ready'] =
    spec.ready === 'none'
      ? { kind: 'none' }
      : spec.ready === 'port'
        ? { kind: 'port', port: port ?? 0 }
        : { kind: 'command', argv: fill(spec.ready.command) };
  return {
    instance,
    argv: fill(spec.command),
    cwd: fill([spec.cwd])[0],
    ...(port !== undefined ? { port } : {}),
    ready,
  };
}

/** A service named for a rolling restart: it must exist and be started by `envplane start`. */
export function restartableService(manifest: Manifest, name: string): string {
  const service = manifest.services[name];
  if (!service)
    throw new EnvplaneError('usage', `unknown service "${name}"`, {
      hint: unknownHint(name, Object.keys(manifest.services), 'services'),
    });
  if (!service.start)
    throw new EnvplaneError('input', `service "${name}" has no \`command:\`, so \`envplane start\` does not run it`);
  return name;
}
