/**
 * Where a secret lives in a remote manager (a Vault KV v2 path, an AWS Secrets Manager name), from the store's
 * templates. Pure. The layout is one entry per secret (per tenant for per-tenant keys), so a secret shared by many
 * instances is one entry: one rotation writes it once, and a policy grants an instance exactly its entries.
 *
 * Names are attack input: a filled path is refused when it could widen a policy or leave its folder (`*`, `+`, `?`,
 * `..`, `.`, empty segments, a leading `/`, whitespace or control characters), whatever produced it.
 */
import { EnvplaneError } from '../errors.ts';

export interface RemoteFields {
  project: string;
  env: string;
  service?: string;
  tenant?: string;
  name: string;
}

export const DEFAULT_REMOTE_PATH = '{project}/{env}/{name}';
export const DEFAULT_REMOTE_TENANT_PATH = '{project}/{env}/{tenant}/{name}';

const PLACEHOLDERS = ['project', 'env', 'service', 'tenant', 'name'] as const;
const SAFE_SEGMENT = /^[A-Za-z0-9_.@=-]+$/;

/** `template` with its placeholders filled; throws a usage error naming the template when the result is unsafe. */
export function fillRemotePath(template: string, fields: RemoteFields, what = 'path template'): string {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new EnvplaneError(
      'input',
      `the ${what} ${JSON.stringify(template)} has an unknown placeholder {${unknown[0]}}`,
      {
        hint: `placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
      },
    );
  for (const p of ['service', 'tenant'] as const)
    if (template.includes(`{${p}}`) && fields[p] === undefined)
      throw new EnvplaneError(
        'input',
        `the ${what} ${JSON.stringify(template)} uses {${p}}, which this secret does not have`,
        {
          hint:
            p === 'tenant'
              ? 'only per-tenant keys have a tenant; use {tenant} in the tenant template only'
              : 'a shared secret has no single service',
        },
      );
  const filled = template.replace(
    /\{(project|env|service|tenant|name)\}/g,
    (_, p: (typeof PLACEHOLDERS)[number]) => fields[p] ?? '',
  );
  checkRemotePath(filled, what);
  return filled;
}

export function checkRemotePath(path: string, what: string): void {
  const segments = path.split('/');
  for (const s of segments)
    if (s === '' || s === '.' || s === '..' || !SAFE_SEGMENT.test(s))
      throw new EnvplaneError('input', `the ${what} gives ${JSON.stringify(path)}, which is not a safe name`, {
        hint: 'segments may hold letters, digits and _ . @ = - only (no empty segment, no "..", no * + ? wildcards)',
      });
}
