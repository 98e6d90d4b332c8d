/**
 * The seed's DO "use external secret managers in production": an environment named or aliased like production
 * (`production`, `prod`, `prd`, `live`, also as a part: `prod-eu`) whose secrets sit in a plain `files` store —
 * unencrypted files on one machine, no rotation, no audit of reads beyond this host.
 */
import { inManifest } from './_common.ts';
import type { Environment } from '../manifest/types.ts';
import type { Finding, Rule } from './types.ts';

const PRODUCTION = /(^|[-_.])(prod|production|prd|live)([-_.]|\d|$)/i;

/** The name or alias that says "production", if any. */
export function productionName(environment: Environment): string | undefined {
  return [environment.name, ...environment.aliases].find((n) => PRODUCTION.test(n));
}

export const productionFilesStore: Rule<'production-files-store'> = {
  id: 'production-files-store',
  severity: 'warning',
  title: 'Production secrets in a plain files store',
  why: 'Plain files on one machine have no access control beyond file modes, no audit of who read them and no rotation; production secrets belong in a secret manager.',
  hint: 'give the environment an external store (`secrets: { store: external, prefix: … }` for Swarm/Kubernetes secrets)',
  run({ manifest, environments }) {
    return environments.flatMap((environment): Finding[] => {
      const named = productionName(environment);
      if (named === undefined || environment.secrets.kind !== 'files') return [];
      const at = manifest.positions[`/environments/${environment.name}/secrets`]
        ? inManifest(manifest, 'environments', environment.name, 'secrets')
        : inManifest(manifest, 'environments', environment.name);
      return [
        {
          message: `${environment.name}${named !== environment.name ? ` (alias ${named})` : ''} looks like production, but its secrets are plain files in ${environment.secrets.dir}/`,
          location: at,
          environment: environment.name,
          hint: `in ${manifest.file}, set \`environments.${environment.name}.secrets: { store: external, prefix: ${manifest.project}_ }\` and create the values with \`envplane push --to swarm --env ${environment.name} --from-dir <dir>\`; a files store stays right for development`,
        },
      ];
    });
  },
};
