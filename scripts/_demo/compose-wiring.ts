/**
 * What the rendered Compose file mounts into each container, read back from the file Compose just accepted: per
 * service, its secrets as `source→target`. This is the deployment side of isolation: a tenant's container mounts
 * its own tenant's secrets only, so there another tenant's secret file does not exist at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type SecretMount = string | { source: string; target?: string };

export interface Wiring {
  service: string;
  mounts: { source: string; target: string }[];
}

export function composeWiring(root: string, file: string): Wiring[] {
  const doc = parse(readFileSync(join(root, file), 'utf8')) as {
    services?: Record<string, { secrets?: SecretMount[] }>;
  };
  return Object.entries(doc.services ?? {}).map(([service, def]) => ({
    service,
    mounts: (def.secrets ?? []).map((m) =>
      typeof m === 'string' ? { source: m, target: m } : { source: m.source, target: m.target ?? m.source },
    ),
  }));
}

/** Mounts of a tenant's container whose source belongs to another tenant (`<KEY>_<tenant>`). */
export function foreignMounts(wiring: Wiring, tenant: string, tenants: readonly string[]): string[] {
  const others = tenants.filter((t) => t !== tenant);
  return wiring.mounts.filter((m) => others.some((t) => m.source.endsWith(`_${t}`))).map((m) => m.source);
}
