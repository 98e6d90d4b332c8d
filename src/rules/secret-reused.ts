/**
 * The seed's "use the same secrets across environments" DON'T, and its tenant twin: one value shared by two tenants
 * of a per-tenant secret (wex's Jira token copied over techcorp's) is a cross-tenant leak waiting to happen.
 * Digests are compared with `timingSafeEqual`, and neither value nor digest is ever printed.
 *
 * Every environment's values take part, whatever `--env` selects: `check --env prod` must still see that production
 * shares a value with development. A finding is kept when it involves an environment in scope.
 */
import { timingSafeEqual } from 'node:crypto';
import { locationId, locationText, secretProblemLocation } from './_common.ts';
import type { Finding, ProblemLocation, Rule } from './types.ts';

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Holder {
  environment: string;
  tenant: string | undefined;
  where: string;
  at: ProblemLocation | undefined;
  digest: string;
}

export const secretReused: Rule<'secret-reused'> = {
  id: 'secret-reused',
  severity: 'error',
  title: 'Same secret value in two environments or two tenants',
  why: 'A development copy leaks far more easily than production, and one tenant’s token must not open another’s account: a shared value turns one leak into two.',
  hint: 'give each environment (and each tenant) its own value: `envplane rotate <name> --env <env> [--tenant <tenant>]`',
  run({ environments, peers, secrets }) {
    const inScope = new Set(environments.map((e) => e.name));
    // One holder per (secret, environment, tenant).
    const byName = new Map<string, Map<string, Holder>>();
    for (const b of peers)
      for (const s of b.secrets) {
        const digest = secrets[locationId(s.location)]?.digest;
        if (!digest) continue;
        let holders = byName.get(s.name);
        if (!holders) {
          holders = new Map();
          byName.set(s.name, holders);
        }
        const id = `${b.environment}\0${s.tenant ?? ''}`;
        if (!holders.has(id))
          holders.set(id, {
            environment: b.environment,
            tenant: s.tenant,
            where: locationText(s.location),
            at: secretProblemLocation(s.location),
            digest,
          });
      }
    const found: Finding[] = [];
    for (const [name, holders] of byName) {
      const list = [...holders.values()];
      for (let i = 0; i < list.length; i++)
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i]!;
          const b = list[j]!;
          if (!inScope.has(a.environment) && !inScope.has(b.environment)) continue;
          if (!sameDigest(a.digest, b.digest)) continue;
          // The finding sits with the in-scope side, the later one when both are.
          const here = inScope.has(b.environment) ? b : a;
          const other = here === b ? a : b;
          found.push({
            message: reuseMessage(name, a, b),
            ...(here.at ? { location: here.at } : {}),
            ...(other.at && other.at.file !== here.at?.file ? { related: [other.at] } : {}),
            environment: here.environment,
            key: name,
            hint: `give each its own value: \`envplane rotate ${name} --env ${here.environment}${here.tenant !== undefined ? ` --tenant ${here.tenant}` : ''}\``,
          });
        }
    }
    return found;
  },
};

function reuseMessage(name: string, a: Holder, b: Holder): string {
  const shown = (h: Holder) => (h.tenant === undefined ? name : `${name}@${h.tenant}`);
  if (a.where === b.where)
    return a.environment === b.environment
      ? `secret ${name} is shared by tenants ${a.tenant} and ${b.tenant} in ${a.environment}: both read ${a.where}`
      : `secret ${shown(a)} is shared by ${a.environment} and ${b.environment}: both read ${a.where}`;
  if (a.environment === b.environment)
    return `secret ${name} has the same value for tenants ${a.tenant} (${a.where}) and ${b.tenant} (${b.where}) in ${a.environment}`;
  if (a.tenant === b.tenant)
    return `secret ${shown(a)} has the same value in ${a.environment} (${a.where}) and ${b.environment} (${b.where})`;
  return `secret ${shown(a)} in ${a.environment} (${a.where}) and ${shown(b)} in ${b.environment} (${b.where}) have the same value`;
}
