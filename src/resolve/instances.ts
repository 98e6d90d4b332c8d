/** Naming things in a manifest: environments by name or alias, services, tenants, instances. */
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from '../manifest/_suggest.ts';
import type { Environment, Manifest, Service } from '../manifest/types.ts';
import type { Instance } from './types.ts';

export function instanceOf(service: string, tenant?: string): Instance {
  return tenant === undefined
    ? { service, id: service, slug: service }
    : { service, tenant, id: `${service}@${tenant}`, slug: `${service}-${tenant}` };
}

/** Every instance that runs: one per plain service, one per tenant of a per-tenant service. */
export function listInstances(manifest: Manifest): Instance[] {
  return Object.values(manifest.services).flatMap((s) =>
    s.perTenant ? s.tenants.map((t) => instanceOf(s.name, t)) : [instanceOf(s.name)],
  );
}

/**
 * The instances a whole-project command works on: every instance, one service's (each of its tenants), or one
 * instance when a tenant is named too. A tenant alone is refused: it would pick per-tenant services silently.
 */
export function selectInstances(manifest: Manifest, serviceName?: string, tenant?: string): Instance[] {
  if (serviceName === undefined) {
    if (tenant !== undefined)
      throw new EnvplaneError('usage', '--tenant narrows a service; name it with --service', {
        hint: 'e.g. --service etl --tenant wex',
      });
    return listInstances(manifest);
  }
  if (tenant !== undefined) return [findInstance(manifest, serviceName, tenant)];
  const service = findService(manifest, serviceName);
  return service.perTenant ? service.tenants.map((t) => instanceOf(service.name, t)) : [instanceOf(service.name)];
}

export function findEnvironment(manifest: Manifest, name: string): Environment {
  const found = manifest.environments.find((e) => e.name === name || e.aliases.includes(name));
  if (found) return found;
  const all = manifest.environments.flatMap((e) => [e.name, ...e.aliases]);
  throw new EnvplaneError('usage', `unknown environment "${name}"`, { hint: unknownHint(name, all, 'environments') });
}

export function findService(manifest: Manifest, name: string): Service {
  const found = manifest.services[name];
  if (found) return found;
  throw new EnvplaneError('usage', `unknown service "${name}"`, {
    hint: unknownHint(name, Object.keys(manifest.services), 'services'),
  });
}

/** The instance named by `--service` and `--tenant`; a per-tenant service needs a tenant, others refuse one. */
export function findInstance(manifest: Manifest, serviceName: string, tenant?: string): Instance {
  const service = findService(manifest, serviceName);
  if (!service.perTenant) {
    if (tenant !== undefined)
      throw new EnvplaneError('usage', `service "${service.name}" is not per tenant; drop --tenant`, {
        hint: 'only services with `perTenant: true` take a tenant',
      });
    return instanceOf(service.name);
  }
  if (tenant === undefined)
    throw new EnvplaneError('usage', `service "${service.name}" runs once per tenant; name one with --tenant`, {
      hint: `tenants: ${service.tenants.join(', ')}`,
    });
  if (!service.tenants.includes(tenant))
    throw new EnvplaneError('usage', `service "${service.name}" does not run for tenant "${tenant}"`, {
      hint: unknownHint(tenant, service.tenants, 'tenants'),
    });
  return instanceOf(service.name, tenant);
}
