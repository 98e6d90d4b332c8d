/**
 * Written manifest → normalized manifest, once. Defaults are applied here and names are cross-checked, so that
 * nothing downstream has to ask "what if this service uses a key that does not exist?".
 */
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from './_suggest.ts';
import { positionOf } from './_yaml.ts';
import { parseGenerate } from './generate.ts';
import { fillRemotePath } from './remote-path.ts';
import { normalizeStart } from './_start.ts';
import type { WrittenKey, WrittenManifest } from './schema.ts';
import type { Environment, Key, Manifest, Position, RemoteSecretStore, SecretStore, Service } from './types.ts';

/** Environment-variable names every consumer accepts (Compose, Kubernetes envFrom, ECS, shells). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Secret names become file names and Swarm/Kubernetes names: no separators, no dot-dot, no leading dot. */
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** The project name ends up in image names (`{project}/{service}`), Compose project and Swarm stack names. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** Instance names end up as Compose service names and Kubernetes object names. */
const INSTANCE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function normalizeManifest(
  written: WrittenManifest,
  file: string,
  positions: Record<string, Position>,
): Manifest {
  const fail = (pointerKeys: string[], message: string, hint: string): never => {
    const at = positionOf(positions, pointerKeys);
    throw new EnvplaneError('input', message, { location: { file, line: at.line, column: at.column }, hint });
  };

  if (!PROJECT_NAME.test(written.project))
    fail(
      ['project'],
      'the project name is not a valid name for images, Compose projects and stacks',
      'use lower-case letters, digits, `-`, `_` and `.` (at most 63), starting with a letter or digit',
    );
  const tenants = uniqueNames(written.tenants, ['tenants'], 'tenant', fail);
  tenants.forEach((t, i) => {
    if (!INSTANCE_NAME.test(t))
      fail(['tenants', String(i)], `tenant "${t}" is not a valid name`, 'use lowercase letters, digits and `-`');
  });

  const environments = normalizeEnvironments(written, fail);
  const keys: Record<string, Key> = Object.create(null);
  for (const [name, writtenKey] of Object.entries(written.keys)) keys[name] = normalizeKey(name, writtenKey, fail);

  const services: Record<string, Service> = Object.create(null);
  for (const [name, s] of Object.entries(written.services)) {
    const at = ['services', name];
    if (!INSTANCE_NAME.test(name))
      fail(
        at,
        `service "${name}" is not a valid name`,
        'use lowercase letters, digits and `-` (a Compose service name)',
      );
    const serviceTenants = s.tenants ?? (s.perTenant ? tenants : []);
    if (s.perTenant && serviceTenants.length === 0)
      fail([...at, 'perTenant'], `service "${name}" is per tenant but there are no tenants`, 'add `tenants: [a, b]`');
    if (!s.perTenant && s.tenants)
      fail([...at, 'tenants'], `service "${name}" lists tenants but is not per tenant`, 'add `perTenant: true`');
    serviceTenants.forEach((t, i) => {
      if (!tenants.includes(t))
        fail([...at, 'tenants', String(i)], `unknown tenant "${t}"`, unknownHint(t, tenants, 'tenants'));
    });
    const service: Service = {
      name,
      uses: uniqueNames(s.uses, [...at, 'uses'], 'key', fail),
      build: uniqueNames(s.build, [...at, 'build'], 'build secret', fail),
      perTenant: s.perTenant,
      tenants: serviceTenants,
      public: s.public,
      config: s.config,
    };
    const start = normalizeStart(name, s, s.perTenant ? serviceTenants.length : 1, fail);
    if (start) service.start = start;
    checkServiceKeys(service, keys, fail);
    service.config.forEach((layer, i) => {
      checkLayerPath(layer, [...at, 'config', String(i)], fail);
      if (layer.includes('{tenant}') && !service.perTenant)
        fail(
          [...at, 'config', String(i)],
          `"{tenant}" in a layer of a service that is not per tenant`,
          'add `perTenant: true`',
        );
    });
    services[name] = service;
  }

  for (const [i, s] of written.silence.entries()) {
    if (s.service && !services[s.service])
      fail(
        ['silence', String(i), 'service'],
        `unknown service "${s.service}"`,
        unknownHint(s.service, Object.keys(services), 'services'),
      );
    if (s.key && !keys[s.key])
      fail(['silence', String(i), 'key'], `unknown key "${s.key}"`, unknownHint(s.key, Object.keys(keys), 'keys'));
  }

  return {
    file,
    project: written.project,
    environments,
    tenants,
    keys,
    services,
    silence: written.silence.map((s) => ({ ...s })),
    positions,
  };
}

type Fail = (pointerKeys: string[], message: string, hint: string) => never;

function normalizeEnvironments(written: WrittenManifest, fail: Fail): Environment[] {
  const seen = new Map<string, string>();
  const environments: Environment[] = [];
  const entries = Object.entries(written.environments);
  if (entries.length === 0)
    fail(['environments'], 'no environment is declared', 'add `environments: { development: {} }`');
  for (const [name, e] of entries) {
    const at = ['environments', name];
    for (const [i, label] of [name, ...e.aliases].entries()) {
      const other = seen.get(label);
      if (other !== undefined)
        fail(
          i === 0 ? at : [...at, 'aliases', String(i - 1)],
          `"${label}" already names environment "${other}"`,
          'each name and alias must be unique',
        );
      seen.set(label, name);
    }
    e.config.forEach((layer, i) => {
      checkLayerPath(layer, [...at, 'config', String(i)], fail);
      if (layer.includes('{tenant}'))
        fail(
          [...at, 'config', String(i)],
          'environment layers cannot depend on a tenant',
          'put tenant layers under the service: `config: [.env.etl.{tenant}]`',
        );
    });
    let secrets: SecretStore;
    if (e.secrets.store === 'files') {
      checkLayerPath(e.secrets.dir, [...at, 'secrets', 'dir'], fail);
      secrets = {
        kind: 'files',
        dir: trimSlash(e.secrets.dir),
        pattern: e.secrets.pattern,
        tenantPattern: e.secrets.tenantPattern,
      };
    } else if (e.secrets.store === 'vault' || e.secrets.store === 'aws') {
      secrets = remoteStore(e.secrets, written.project, name, [...at, 'secrets'], fail);
    } else {
      secrets = {
        kind: 'external',
        prefix: e.secrets.prefix,
        pattern: e.secrets.pattern,
        tenantPattern: e.secrets.tenantPattern,
        ...(e.secrets.arn !== undefined ? { arn: e.secrets.arn } : {}),
      };
    }
    environments.push({ name, aliases: e.aliases, config: e.config, secrets });
  }
  return environments;
}

/** A secret manager's templates with `{project}` and `{env}` filled; `{name}` (and `{tenant}`) stay for each secret. */
function remoteStore(
  w: Extract<WrittenManifest['environments'][string]['secrets'], { store: 'vault' | 'aws' }>,
  project: string,
  env: string,
  at: string[],
  fail: Fail,
): RemoteSecretStore {
  const [pathField, tenantField] = w.store === 'vault' ? ['path', 'tenantPath'] : ['name', 'tenantName'];
  const [path, tenantPath] = w.store === 'vault' ? [w.path, w.tenantPath] : [w.name, w.tenantName];
  const check = (template: string, field: string, perTenant: boolean) => {
    if (!template.includes('{name}'))
      fail([...at, field], `the ${field} template has no {name}`, 'each secret needs its own entry: add {name}');
    if (perTenant && !template.includes('{tenant}'))
      fail([...at, field], `the ${field} template has no {tenant}`, 'each tenant needs its own entry: add {tenant}');
    if (template.includes('{service}'))
      fail(
        [...at, field],
        `{service} is not supported in the ${field} template`,
        'one entry per secret, shared by the instances that read it (docs/stores/vault.md says why)',
      );
    try {
      fillRemotePath(template, { project, env, name: 'x', ...(perTenant ? { tenant: 'x' } : {}) }, `${field} template`);
    } catch (err) {
      fail([...at, field], (err as Error).message, 'segments may hold letters, digits and _ . @ = - only');
    }
    return template.replaceAll('{project}', project).replaceAll('{env}', env);
  };
  const filled = { path: check(path, pathField, false), tenantPath: check(tenantPath, tenantField, true) };
  if (w.store === 'vault')
    return {
      kind: 'vault',
      mount: trimSlash(w.mount),
      ...filled,
      ...(w.address !== undefined ? { address: w.address } : {}),
      ...(w.namespace !== undefined ? { namespace: w.namespace } : {}),
    };
  return {
    kind: 'aws',
    ...filled,
    ...(w.region !== undefined ? { region: w.region } : {}),
    ...(w.kmsKeyId !== undefined ? { kmsKeyId: w.kmsKeyId } : {}),
  };
}

function normalizeKey(name: string, written: WrittenKey, fail: Fail): Key {
  const at = ['keys', name];
  const w = typeof written === 'string' ? { plane: written, perTenant: false } : written;
  const isSecret = w.plane === 'secret' || w.plane === 'build';
  if (isSecret ? !SECRET_NAME.test(name) || name.includes('..') : !ENV_NAME.test(name))
    fail(
      at,
      `"${name}" is not a valid ${w.plane} key name`,
      isSecret
        ? 'secret names are letters, digits, `_`, `.` and `-` (at most 63), starting with a letter or digit'
        : 'config keys are environment variable names: letters, digits and `_`, not starting with a digit',
    );
  const key: Key = {
    name,
    plane: w.plane,
    required: 'required' in w && w.required !== undefined ? w.required : w.plane === 'secret',
    perTenant: w.perTenant,
  };
  if ('description' in w && w.description !== undefined) key.description = w.description;
  if ('default' in w && w.default !== undefined) {
    if (isSecret)
      fail(
        [...at, 'default'],
        `secret "${name}" cannot have a default value`,
        'a default would be committed in plain text; use `generate:` instead',
      );
    key.default = String(w.default);
    if (key.default.includes('\0'))
      fail(
        [...at, 'default'],
        `the default of "${name}" holds a NUL character, which no environment variable can carry`,
        'remove the `\\0` from the value',
      );
  }
  if ('generate' in w && w.generate !== undefined) {
    if (w.plane !== 'secret')
      fail([...at, 'generate'], `only secrets can be generated`, 'remove `generate:` or make the key `plane: secret`');
    const rule = parseGenerate(w.generate);
    if (typeof rule === 'string')
      fail([...at, 'generate'], rule, 'write `base64:32`, `hex:32`, `password:24` or `uuid`');
    else key.generate = rule;
  }
  if ('fileEnv' in w && w.fileEnv !== undefined) {
    if (w.plane !== 'secret')
      fail(
        [...at, 'fileEnv'],
        '`fileEnv` applies to runtime secrets only',
        'remove it or make the key `plane: secret`',
      );
    if (!ENV_NAME.test(w.fileEnv))
      fail([...at, 'fileEnv'], `"${w.fileEnv}" is not a variable name`, 'letters, digits and `_`');
    key.fileEnv = w.fileEnv;
  } else if (w.plane === 'secret') {
    key.fileEnv = `${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_FILE`;
  }
  if ('maxAge' in w && w.maxAge !== undefined) {
    const days = typeof w.maxAge === 'number' ? w.maxAge : /^(\d+)d$/.exec(w.maxAge)?.[1];
    if (days === undefined || Number(days) <= 0)
      fail([...at, 'maxAge'], 'maxAge must be a number of days', 'write `maxAge: 90` or `maxAge: 90d`');
    if (w.plane !== 'secret') fail([...at, 'maxAge'], '`maxAge` applies to secrets only', 'remove it');
    key.maxAgeDays = Number(days);
  }
  return key;
}

function checkServiceKeys(service: Service, keys: Record<string, Key>, fail: Fail): void {
  const at = ['services', service.name];
  // Listed only when a name is unknown: building the list for every service made normalizing quadratic.
  const known = () => Object.keys(keys);
  for (const [i, name] of service.uses.entries()) {
    const here = [...at, 'uses', String(i)];
    const key = keys[name];
    if (!key)
      fail(
        here,
        `service "${service.name}" uses unknown key "${name}"`,
        `${unknownHint(name, known(), 'keys')}; declare it under \`keys:\``,
      );
    else if (key.plane === 'build')
      fail(
        here,
        `"${name}" is a build secret`,
        'list build secrets under `build:`, not `uses:`: they exist only while the image builds',
      );
    else if (key.perTenant && !service.perTenant)
      fail(
        here,
        `"${name}" has one value per tenant but service "${service.name}" is not per tenant`,
        'add `perTenant: true` to the service, or drop `perTenant` from the key',
      );
  }
  for (const [i, name] of service.build.entries()) {
    const here = [...at, 'build', String(i)];
    const key = keys[name];
    if (!key)
      fail(
        here,
        `unknown build secret "${name}"`,
        `${unknownHint(name, known(), 'keys')}; declare it with \`plane: build\``,
      );
    else if (key.plane !== 'build')
      fail(
        here,
        `"${name}" is a ${key.plane} key, not a build secret`,
        'move it to `uses:` or declare it `plane: build`',
      );
  }
}

function uniqueNames(list: string[], at: string[], what: string, fail: Fail): string[] {
  const seen = new Set<string>();
  list.forEach((name, i) => {
    if (seen.has(name)) fail([...at, String(i)], `${what} "${name}" is listed twice`, 'remove the second entry');
    seen.add(name);
  });
  return list;
}

/** Layer and store paths stay inside the project: they are read, and secret stores are written. */
function checkLayerPath(path: string, at: string[], fail: Fail): void {
  const parts = path.split(/[\\/]/);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || parts.includes('..'))
    fail(
      at,
      `path "${path}" leaves the project directory`,
      'use a path relative to the folder of envplane.yaml, without `..`',
    );
  const placeholders = path.match(/\{[^}]*\}/g) ?? [];
  for (const p of placeholders)
    if (p !== '{env}' && p !== '{tenant}')
      fail(at, `unknown placeholder ${p} in "${path}"`, 'layer paths may use {env} and {tenant}');
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, '') || '.';
}
