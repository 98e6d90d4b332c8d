/**
 * The plan of `push --to swarm`: which Swarm secrets an environment needs (named as its external store says,
 * `<prefix><name>` or `<prefix><tenant>_<name>`), checked against Swarm's name and size rules before anything
 * runs. Pure: values arrive as data.
 */
import { EnvplaneError } from '../errors.ts';
import { isSwarmSecretName, SWARM_NAME_LIMIT } from '../manifest/names.ts';
import type { Environment, Manifest } from '../manifest/types.ts';
import { storeLocation } from '../resolve/secrets.ts';
import type { Bundle } from '../resolve/types.ts';

export const SWARM_MAX_NAME = SWARM_NAME_LIMIT;
export const SWARM_MAX_BYTES = 511_999;

export interface SwarmSecret {
  /** The Swarm secret's name. */
  name: string;
  key: string;
  tenant?: string;
  required: boolean;
}

/** Every secret of every instance, once per Swarm name. */
export function swarmSecrets(manifest: Manifest, environment: Environment, bundles: Bundle[]): SwarmSecret[] {
  if (environment.secrets.kind !== 'external')
    throw new EnvplaneError(
      'usage',
      `${environment.name} keeps its secrets in files; \`docker stack deploy\` creates them from the files itself`,
      {
        hint: 'push is for environments with `secrets: { store: external, prefix: … }`',
      },
    );
  const byName = new Map<string, SwarmSecret>();
  for (const bundle of bundles)
    for (const ref of bundle.secrets) {
      const key = manifest.keys[ref.name]!;
      const location = storeLocation(environment, key, ref.tenant);
      if (location.kind !== 'external') continue;
      const seen = byName.get(location.name);
      if (seen) {
        seen.required ||= ref.required;
        continue;
      }
      byName.set(location.name, {
        name: location.name,
        key: ref.name,
        ...(ref.tenant !== undefined ? { tenant: ref.tenant } : {}),
        required: ref.required,
      });
    }
  const secrets = [...byName.values()];
  for (const s of secrets) checkSwarmName(s.name);
  return secrets;
}

export function checkSwarmName(name: string): void {
  if (isSwarmSecretName(name)) return;
  throw new EnvplaneError('input', `"${name}" is not a valid Swarm secret name`, {
    hint: `names are at most ${SWARM_MAX_NAME} characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; shorten the store prefix or the key`,
  });
}

/** Swarm refuses empty values and values of 500 KiB or more. */
export function checkSwarmValue(name: string, value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes >= 1 && bytes <= SWARM_MAX_BYTES) return;
  throw new EnvplaneError('input', `the value for ${name} is ${bytes} bytes; Swarm accepts 1 to ${SWARM_MAX_BYTES}`, {
    hint: bytes === 0 ? 'set a value first' : 'keep large files out of secrets (mount a volume instead)',
  });
}
