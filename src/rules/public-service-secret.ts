/** A service that ships to browsers (`public: true`) that uses a secret: whatever it reads, users can read. */
import { inManifest } from './_common.ts';
import type { Finding, Rule } from './types.ts';

export const publicServiceSecret: Rule<'public-service-secret'> = {
  id: 'public-service-secret',
  severity: 'error',
  title: 'Public service uses a secret',
  why: 'A browser bundle is public: any secret a frontend build or runtime reads can end up in the JavaScript.',
  hint: 'move the call that needs the secret to a backend service, and remove the key from the public service',
  run({ manifest, instances }) {
    const services = new Set(instances.map((i) => i.service));
    const found: Finding[] = [];
    for (const name of services) {
      const service = manifest.services[name];
      if (!service?.public) continue;
      service.uses.forEach((key, i) => {
        if (manifest.keys[key]?.plane !== 'secret') return;
        found.push({
          message: `public service ${name} uses secret ${key}`,
          location: inManifest(manifest, 'services', name, 'uses', String(i)),
          key,
          service: name,
        });
      });
    }
    return found;
  },
};
