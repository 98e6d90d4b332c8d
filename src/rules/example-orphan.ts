/** `.example` drift, the other way: a template in a secret store for a secret the manifest no longer has. */
import { storeLocation } from '../resolve/secrets.ts';
import type { Rule } from './types.ts';

export const exampleOrphan: Rule<'example-orphan'> = {
  id: 'example-orphan',
  severity: 'warning',
  title: 'Template for no secret',
  why: 'A stale template sends newcomers to create secrets nothing reads, and hides the ones that are missing.',
  hint: 'delete the template, or declare the secret in envplane.yaml',
  run({ manifest, templates }) {
    // Every store path any environment and tenant could use, whatever `--env` narrows the run to.
    const expected = new Set<string>();
    for (const environment of manifest.environments) {
      if (environment.secrets.kind !== 'files') continue;
      for (const key of Object.values(manifest.keys)) {
        if (key.plane !== 'secret' && key.plane !== 'build') continue;
        for (const tenant of key.perTenant ? [undefined, ...manifest.tenants] : [undefined]) {
          const location = storeLocation(environment, key, tenant);
          if (location.kind === 'file') expected.add(`${location.path}.example`);
        }
      }
    }
    return templates
      .filter((t) => !expected.has(t))
      .map((t) => ({ message: `template ${t} belongs to no declared secret`, location: { file: t } }));
  },
};
