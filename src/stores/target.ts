/**
 * Which file one `rotate` writes: the secret named on the command line, checked against the manifest (a secret or
 * build key, the right tenant or none), the environment's store (files only) and the layers (a secret an instance
 * still reads from a config file must be migrated first). Pure.
 */
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from '../manifest/_suggest.ts';
import type { Environment, Key, Manifest } from '../manifest/types.ts';
import type { LayerSet } from '../resolve/bundle.ts';
import { storeLocation } from '../resolve/secrets.ts';
import { checkStorePath } from './_paths.ts';
import { secretNeeds } from './needs.ts';

export interface RotationTarget {
  key: Key;
  tenant?: string;
  storeDir: string;
  /** Project-relative path of the secret file. */
  path: string;
  /** `name` or `name@tenant`, as output and the audit log show it. */
  shown: string;
}

export function rotationTarget(
  manifest: Manifest,
  layers: LayerSet,
  environment: Environment,
  name: string,
  tenant: string | undefined,
): RotationTarget {
  const key = findSecret(manifest, name);
  checkTenant(manifest, key, tenant);
  const store = environment.secrets;
  if (store.kind !== 'files')
    throw new EnvplaneError('usage', `${environment.name} keeps its secrets in an external store`, {
      hint: 'rotate it where it lives (e.g. `docker secret create` a new version) or with `envplane push`',
    });
  const inLayer = secretNeeds(manifest, layers, environment).find(
    (n) => n.key.name === key.name && n.tenant === tenant && n.location.kind === 'layer',
  );
  if (inLayer?.location.kind === 'layer')
    throw new EnvplaneError('input', `${key.name} is set in a config file, not in the secret store`, {
      location: { file: inLayer.location.file, line: inLayer.location.line },
      hint: 'move it into the store first with `envplane migrate`',
    });
  const location = storeLocation(environment, key, key.perTenant ? tenant : undefined);
  if (location.kind !== 'file') throw new Error('rotationTarget: a files store gave no file location');
  checkStorePath(store.dir, location.path);
  return {
    key,
    ...(tenant !== undefined ? { tenant } : {}),
    storeDir: store.dir,
    path: location.path,
    shown: tenant === undefined ? key.name : `${key.name}@${tenant}`,
  };
}

function findSecret(manifest: Manifest, name: string): Key {
  const key = manifest.keys[name];
  if (!key)
    throw new EnvplaneError('usage', `unknown secret "${name}"`, {
      hint: unknownHint(
        name,
        Object.values(manifest.keys)
          .filter((k) => k.plane === 'secret' || k.plane === 'build')
          .map((k) => k.name),
        'secrets',
      ),
    });
  if (key.plane !== 'secret' && key.plane !== 'build')
    throw new EnvplaneError('usage', `${name} is a ${key.plane} key, not a secret`, {
      hint: 'only secret and build keys live in the secret store',
    });
  return key;
}

function checkTenant(manifest: Manifest, key: Key, tenant: string | undefined): void {
  if (!key.perTenant) {
    if (tenant !== undefined)
      throw new EnvplaneError('usage', `${key.name} is not per tenant; drop --tenant`, {
        hint: 'only keys with `perTenant: true` have one value per tenant',
      });
    return;
  }
  if (tenant === undefined)
    throw new EnvplaneError('usage', `${key.name} has one value per tenant; name one with --tenant`, {
      hint: `tenants: ${manifest.tenants.join(', ')}`,
    });
  if (!manifest.tenants.includes(tenant))
    throw new EnvplaneError('usage', `unknown tenant "${tenant}"`, {
      hint: unknownHint(tenant, manifest.tenants, 'tenants'),
    });
}
