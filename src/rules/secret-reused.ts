/**
 * The seed's "use the same secrets across environments" DON'T. Digests are compared with `timingSafeEqual`, and
 * neither value nor digest is ever printed.
 */
import { timingSafeEqual } from 'node:crypto';
import { locationId, locationText, secretProblemLocation } from './_common.ts';
import type { Finding, ProblemLocation, Rule } from './types.ts';

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export const secretReused: Rule = {
  id: 'secret-reused',
  severity: 'error',
  title: 'Same secret value in two environments',
  why: 'A development copy leaks far more easily than production; sharing the value makes that leak a production one.',
  hint: 'give each environment its own value: `envplane rotate <name> --env <env>`',
  run({ bundles, secrets }) {
    // One entry per (secret, tenant, environment): where it lives and its digest.
    const byName = new Map<string, Map<string, { where: string; at: ProblemLocation | undefined; digest: string }>>();
    for (const b of bundles)
      for (const s of b.secrets) {
        const digest = secrets[locationId(s.location)]?.digest;
        if (!digest) continue;
        const id = s.tenant === undefined ? s.name : `${s.name}@${s.tenant}`;
        let envs = byName.get(id);
        if (!envs) {
          envs = new Map();
          byName.set(id, envs);
        }
        if (!envs.has(b.environment))
          envs.set(b.environment, { where: locationText(s.location), at: secretProblemLocation(s.location), digest });
      }
    const found: Finding[] = [];
    for (const [id, envs] of byName) {
      const list = [...envs.entries()];
      for (let i = 0; i < list.length; i++)
        for (let j = i + 1; j < list.length; j++) {
          const [envA, a] = list[i]!;
          const [envB, b] = list[j]!;
          if (!sameDigest(a.digest, b.digest)) continue;
          const [name] = id.split('@');
          found.push({
            message:
              a.where === b.where
                ? `secret ${id} is shared by ${envA} and ${envB}: both read ${a.where}`
                : `secret ${id} has the same value in ${envA} (${a.where}) and ${envB} (${b.where})`,
            ...(b.at ? { location: b.at } : {}),
            environment: envB,
            key: name!,
          });
        }
    }
    return found;
  },
};
