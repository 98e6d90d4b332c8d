/** Compose services as envplane instances, and tenant layers as templates (`.env.etl.wex` → `.env.etl.{tenant}`). Pure. */
import { type EnvFileRole, envFileRole } from './_file-roles.ts';
import type { ComposeService } from './compose-model.ts';

/** A Compose service as an envplane instance: `etl-wex` reading `.env.etl.wex` is `etl` for tenant `wex`. */
export interface InstanceOf {
  service: string;
  tenant?: string;
}

/** `etl-wex` with env file `.env.etl.wex` → etl@wex; anything else is its own service. */
export function instanceFor(service: ComposeService, roles: Map<string, EnvFileRole>): InstanceOf {
  for (const e of service.envFiles) {
    const role = roles.get(e.path) ?? envFileRole(e.path);
    if (role.kind === 'tenant' && service.name.startsWith(role.service))
      return { service: role.service, tenant: role.tenant };
  }
  return { service: service.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-') };
}

export function templateTenant(path: string, instance: InstanceOf): string {
  if (!instance.tenant) return path;
  const suffix = `.${instance.tenant}`;
  return path.endsWith(suffix) ? `${path.slice(0, -suffix.length)}.{tenant}` : path;
}

/** Whether a layer template (`.env.etl.{tenant}`) names `path`. */
export function matchesLayer(template: string, path: string): boolean {
  if (!template.includes('{tenant}')) return template === path;
  const [head, tail] = template.split('{tenant}') as [string, string];
  return path.startsWith(head) && path.endsWith(tail) && path.length > head.length + tail.length;
}
