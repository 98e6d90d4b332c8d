/**
 * The seed's first DON'T, "put secrets in environment variables": a secret that lives in an env file. Compose's
 * `env_file:` puts every line of that file into the container's environment, where `docker inspect`, crash dumps
 * and child processes see it. The second seed's `.env.backend` and `.env.etl.*` are exactly this.
 */
import { groupBy, listText } from './_common.ts';
import type { Finding, Rule } from './types.ts';

export const secretEnvVar: Rule<'secret-env-var'> = {
  id: 'secret-env-var',
  severity: 'error',
  title: 'Secret delivered as an environment variable',
  why: 'Environment variables leak through `docker inspect`, /proc, logs and every child process.',
  hint: 'run `envplane migrate` to move the value into the secret store; the service then reads it from a file',
  run({ bundles }) {
    const refs = bundles.flatMap((b) =>
      b.secrets.flatMap((s) =>
        s.location.kind === 'layer' ? [{ s, b, file: s.location.file, line: s.location.line }] : [],
      ),
    );
    return [...groupBy(refs, (r) => `${r.file}:${r.line}`).values()].map((group): Finding => {
      const { s, file, line } = group[0]!;
      const instances = [...new Set(group.map((g) => g.b.instance.id))];
      const environments = [...new Set(group.map((g) => g.b.environment))];
      return {
        message: `secret ${s.name} lives in ${file}, so ${listText(instances)} receive${instances.length === 1 ? 's' : ''} it as an environment variable in ${listText(environments)}`,
        location: { file, line },
        key: s.name,
        ...(instances.length === 1 ? { instance: instances[0]! } : {}),
        ...(environments.length === 1 ? { environment: environments[0]! } : {}),
      };
    });
  },
};
