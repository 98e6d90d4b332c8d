/** The seed's "Environment Variable Not Set": a required config key that no layer and no default gives a value. */
import { groupBy, inManifest, listText } from './_common.ts';
import type { Rule } from './types.ts';

export const requiredKeyUnset: Rule = {
  id: 'required-key-unset',
  severity: 'error',
  title: 'Required key has no value',
  why: 'The service starts without a value it cannot work without, and fails later and further from the cause.',
  hint: 'set it in one of the instance’s layer files, or give the key a `default:` in envplane.yaml',
  run({ manifest, bundles }) {
    const unset = bundles.flatMap((b) =>
      b.config
        .filter((c) => !c.set && manifest.keys[c.key]?.required)
        .map((c) => ({ key: c.key, environment: b.environment, instance: b.instance.id, layers: b.layers })),
    );
    return [...groupBy(unset, (u) => `${u.environment}\0${u.key}`).values()].map((group) => {
      const first = group[0]!;
      const instances = group.map((g) => g.instance);
      return {
        message: `${first.key} is required but has no value for ${listText(instances)} in ${first.environment}`,
        hint: `set ${first.key} in ${listText(first.layers.length > 0 ? first.layers : ['a layer file'])}, or give it a \`default:\``,
        location: inManifest(manifest, 'keys', first.key),
        environment: first.environment,
        key: first.key,
        ...(instances.length === 1 ? { instance: first.instance } : {}),
      };
    });
  },
};
