/** A key a service uses that nothing defines: no layer of the instance sets it and it has no default. */
import { groupBy, inManifest, listText } from './_common.ts';
import type { Rule } from './types.ts';

export const undefinedKey: Rule<'undefined-key'> = {
  id: 'undefined-key',
  severity: 'warning',
  title: 'Used key defined nowhere',
  why: 'The service declares it reads the key, yet receives nothing: either the declaration or a layer is wrong.',
  hint: 'set the key in a layer the service reads, give it a `default:`, or remove it from the service’s `uses:`',
  run({ manifest, bundles }) {
    // Required keys are `required-key-unset` errors already; this covers the optional ones.
    const unset = bundles.flatMap((b) =>
      b.config
        .filter((c) => c.source.kind === 'unset' && !manifest.keys[c.key]?.required)
        .map((c) => ({ key: c.key, b })),
    );
    return [...groupBy(unset, (u) => `${u.b.environment}\0${u.b.instance.service}\0${u.key}`).values()].map((group) => {
      const { key, b } = group[0]!;
      const service = b.instance.service;
      const index = manifest.services[service]?.uses.indexOf(key) ?? -1;
      const instances = group.map((g) => g.b.instance.id);
      return {
        message: `${listText(instances)} uses ${key} in ${b.environment}, but no layer sets it and it has no default`,
        location: inManifest(manifest, 'services', service, 'uses', String(index)),
        environment: b.environment,
        key,
        service,
        ...(instances.length === 1 ? { instance: instances[0]! } : {}),
      };
    });
  },
};
