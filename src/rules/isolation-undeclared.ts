/**
 * Isolation proof, part one: every instance's bundle holds only keys its service declares. The resolver is built to
 * guarantee it; this rule checks the result rather than trusting the construction.
 */
import type { Finding, Rule } from './types.ts';

export const isolationUndeclared: Rule<'isolation-undeclared'> = {
  id: 'isolation-undeclared',
  severity: 'error',
  title: 'Instance receives an undeclared key',
  why: 'Least privilege is the product: a service must receive only the keys it declares.',
  hint: 'this is a bug in envplane’s resolver; please report it with the manifest (never the values)',
  run({ manifest, bundles }) {
    const found: Finding[] = [];
    for (const b of bundles) {
      const service = manifest.services[b.instance.service];
      const uses = new Set(service?.uses ?? []);
      const build = new Set(service?.build ?? []);
      const extra = [
        ...b.config.map((c) => c.key).filter((k) => !uses.has(k)),
        ...b.secrets.map((s) => s.name).filter((k) => !uses.has(k)),
        ...b.build.map((s) => s.id).filter((k) => !build.has(k)),
      ];
      for (const key of extra)
        found.push({
          message: `${b.instance.id} receives ${key} in ${b.environment}, which ${b.instance.service} does not declare`,
          environment: b.environment,
          instance: b.instance.id,
          service: b.instance.service,
          key,
        });
    }
    return found;
  },
};
