/** The seed's "Secret Not Found": a required secret whose file is missing or empty for an instance that needs it. */
import { isRemoteLocation } from '../resolve/secrets.ts';
import { groupBy, inManifest, listText, locationId, locationText, secretProblemLocation } from './_common.ts';
import type { SecretLocation } from '../resolve/types.ts';
import type { Finding, Rule } from './types.ts';

export const secretMissing: Rule<'secret-missing'> = {
  id: 'secret-missing',
  severity: 'error',
  title: 'Secret not found',
  why: 'Compose mounts a missing secret file as an error at start-up, and the application finds no /run/secrets file.',
  hint: 'run `envplane setup` to create missing secret files (generated or copied from the .example)',
  run({ bundles, secrets, manifest }) {
    const missing: {
      name: string;
      location: SecretLocation;
      where: string;
      environment: string;
      instance: string;
      build: boolean;
    }[] = [];
    for (const b of bundles) {
      const refs = [
        ...b.secrets.map((s) => ({ name: s.name, location: s.location, required: s.required, build: false })),
        ...b.build.map((s) => ({ name: s.id, location: s.location, required: s.required, build: true })),
      ];
      for (const ref of refs) {
        if (!ref.required || ref.location.kind === 'external') continue;
        const fact = secrets[locationId(ref.location)];
        // A manager's secret is judged only when `check --stores` asked it; it tells existence, never a length.
        if (isRemoteLocation(ref.location) && !fact?.remote) continue;
        if (fact?.remote ? fact.exists : fact && fact.length > 0) continue;
        missing.push({
          name: ref.name,
          location: ref.location,
          where: locationText(ref.location),
          environment: b.environment,
          instance: b.instance.id,
          build: ref.build,
        });
      }
    }
    return [...groupBy(missing, (m) => `${m.environment}\0${m.where}`).values()].map((group): Finding => {
      const m = group[0]!;
      const instances = [...new Set(group.map((g) => g.instance))];
      const empty = secrets[locationId(m.location)]?.exists === true;
      return {
        message: `${m.build ? 'build secret' : 'secret'} ${m.name} for ${listText(instances)} in ${m.environment}: ${m.where} ${empty ? 'is empty' : 'does not exist'}`,
        location: secretProblemLocation(m.location) ?? inManifest(manifest, 'environments', m.environment, 'secrets'),
        environment: m.environment,
        key: m.name,
        ...(instances.length === 1 ? { instance: m.instance } : {}),
      };
    });
  },
};
