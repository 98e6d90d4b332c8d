/** Flags shared by many commands, defined once so their wording and defaults stay the same everywhere. */
import type { ArgsDef } from 'citty';

export const dirArg = {
  dir: {
    type: 'string',
    description: 'Project folder (default: the nearest folder upward that holds envplane.yaml)',
    valueHint: 'path',
  },
} as const satisfies ArgsDef;

export const envArg = {
  env: { type: 'string', alias: 'e', description: 'Environment name or alias (required)', valueHint: 'env' },
} as const satisfies ArgsDef;

export const instanceArgs = {
  service: { type: 'string', alias: 's', description: 'Service name (required)', valueHint: 'service' },
  tenant: { type: 'string', alias: 't', description: 'Tenant, for a per-tenant service', valueHint: 'tenant' },
} as const satisfies ArgsDef;

export const jsonArg = {
  json: { type: 'boolean', description: 'Print JSON instead of text (default: false)' },
} as const satisfies ArgsDef;

export const debugArg = {
  debug: { type: 'boolean', description: 'Show internal details of unexpected errors (never values)' },
} as const satisfies ArgsDef;
