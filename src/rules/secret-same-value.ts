/**
 * Two different secrets that hold the same value in one environment (for one tenant): most often one credential
 * declared twice under each service's own variable name (the database reads MYSQL_PASSWORD, the application
 * WORDPRESS_DB_PASSWORD). Rotating one of them then breaks the other service; and if they are meant to differ, one is
 * a copy. Digests are compared with `timingSafeEqual`; neither value nor digest is printed.
 */
import { timingSafeEqual } from 'node:crypto';
import { locationId, locationText, secretProblemLocation } from './_common.ts';
import type { Finding, ProblemLocation, Rule } from './types.ts';

interface Holder {
  name: string;
  tenant: string | undefined;
  where: string;
  at: ProblemLocation | undefined;
  digest: Buffer;
}

export const secretSameValue: Rule<'secret-same-value'> = {
  id: 'secret-same-value',
  severity: 'warning',
  title: 'Two secrets hold the same value in one environment',
  why: 'One credential declared as two secrets drifts apart at the first rotation (`setup` or `rotate` gives each its own value), and the service that reads the other copy can no longer log in; two secrets that should differ but do not are a copy.',
  hint: 'if it is one credential, declare one secret and let each service read it; if not, rotate one of them',
  run({ bundles, secrets }) {
    const byEnvironment = new Map<string, Map<string, Holder>>();
    for (const b of bundles)
      for (const s of [...b.secrets, ...b.build.map((x) => ({ ...x, name: x.id, tenant: undefined }))]) {
        const digest = secrets[locationId(s.location)]?.digest;
        if (!digest) continue;
        let holders = byEnvironment.get(b.environment);
        if (!holders) {
          holders = new Map();
          byEnvironment.set(b.environment, holders);
        }
        const id = `${s.name}\0${s.tenant ?? ''}`;
        if (!holders.has(id))
          holders.set(id, {
            name: s.name,
            tenant: s.tenant,
            where: locationText(s.location),
            at: secretProblemLocation(s.location),
            digest: Buffer.from(digest, 'hex'),
          });
      }
    const found: Finding[] = [];
    for (const [environment, holders] of byEnvironment) {
      const list = [...holders.values()];
      for (let i = 0; i < list.length; i++)
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i]!;
          const b = list[j]!;
          if (a.name === b.name || a.digest.length !== b.digest.length || !timingSafeEqual(a.digest, b.digest))
            continue;
          const shown = (h: Holder) => `${h.name}${h.tenant === undefined ? '' : `@${h.tenant}`} (${h.where})`;
          found.push({
            message: `secrets ${shown(a)} and ${shown(b)} hold the same value in ${environment}`,
            ...(b.at ? { location: b.at } : {}),
            ...(a.at && a.at.file !== b.at?.file ? { related: [a.at] } : {}),
            environment,
            key: b.name,
            hint: `one credential? keep ${a.name}, grant it to the services that read ${b.name}, and remove ${b.name}; two credentials? \`envplane rotate ${b.name} --env ${environment}${b.tenant === undefined ? '' : ` --tenant ${b.tenant}`}\``,
          });
        }
    }
    return found;
  },
};
