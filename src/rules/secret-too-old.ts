/** The seed's "rotate secrets regularly", enforced: a secret older than its `maxAge`. */
import { locationId, locationText, secretProblemLocation } from './_common.ts';
import type { Finding, Rule } from './types.ts';
import { shellLine } from '../shell.ts';

export const secretTooOld: Rule<'secret-too-old'> = {
  id: 'secret-too-old',
  severity: 'warning',
  title: 'Secret older than its maxAge',
  why: 'The longer a value lives, the more copies of it exist in logs, laptops and former colleagues’ shells.',
  hint: 'rotate it: `envplane rotate <name> --env <env>`',
  run({ manifest, bundles, secrets }) {
    const seen = new Set<string>();
    const found: Finding[] = [];
    for (const b of bundles)
      for (const s of b.secrets) {
        const max = manifest.keys[s.name]?.maxAgeDays;
        const id = locationId(s.location);
        if (max === undefined || seen.has(id)) continue;
        seen.add(id);
        const age = secrets[id]?.ageDays;
        if (age === undefined || age <= max) continue;
        const where = secretProblemLocation(s.location);
        found.push({
          message: `secret ${s.name} (${locationText(s.location)}) is ${Math.floor(age)} days old; its maxAge is ${max}`,
          hint: shellLine([
            'envplane',
            'rotate',
            s.name,
            '--env',
            b.environment,
            ...(s.tenant ? ['--tenant', s.tenant] : []),
          ]),
          ...(where ? { location: where } : {}),
          environment: b.environment,
          key: s.name,
        });
      }
    return found;
  },
};
