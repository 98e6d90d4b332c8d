/** Kubernetes naming and size rules, checked before anything is written (kubectl does not check them offline). */
import { EnvplaneError } from '../errors.ts';
import type { Manifest } from '../manifest/types.ts';

const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
export const MAX_OBJECT_DATA = 1_048_576;

/** `<project>-<slug>-<suffix>`, lowercased, `_` → `-`; refused when still not a DNS subdomain. */
export function objectName(manifest: Manifest, slug: string, suffix: string): string {
  const name = `${manifest.project}-${slug}-${suffix}`.toLowerCase().replaceAll('_', '-');
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name))
    throw new EnvplaneError('input', `"${name}" is not a valid Kubernetes object name`, {
      location: { file: manifest.file, ...(manifest.positions['/project'] ?? {}) },
      hint: 'object names are lowercase letters, digits, "-" and "." (at most 253); rename the project or service',
    });
  return name;
}

export function checkDataKey(manifest: Manifest, key: string, keyName: string): void {
  if (key.length <= 253 && DATA_KEY.test(key) && key !== '.' && !key.startsWith('..')) return;
  throw new EnvplaneError('input', `"${key}" cannot be a Kubernetes Secret or ConfigMap key`, {
    location: { file: manifest.file, ...(manifest.positions[`/keys/${keyName}`] ?? {}) },
    hint: 'keys are letters, digits, "-", "_" and "." (at most 253), and not "." or ".."; rename the key',
  });
}

/** The API server refuses an object whose decoded data exceeds 1 MiB. */
export function checkDataSize(manifest: Manifest, name: string, values: Iterable<string>): void {
  let total = 0;
  for (const value of values) total += Buffer.byteLength(value, 'utf8');
  if (total > MAX_OBJECT_DATA)
    throw new EnvplaneError('input', `${name} would hold ${total} bytes; Kubernetes allows ${MAX_OBJECT_DATA}`, {
      location: { file: manifest.file },
      hint: 'keep large files out of Secrets and ConfigMaps (mount a volume instead) or split the service',
    });
}
