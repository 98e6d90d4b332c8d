/**
 * What Compose and Swarm files share: per-instance `environment:` with exactly the declared keys (never `env_file:`,
 * which would hand a service every key of a shared layer), `secrets:` granted per instance, top-level secret
 * definitions, and `$` escaping. Pure.
 */
import { posix } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import type { Environment, Manifest } from '../manifest/types.ts';
import { storeLocation } from '../resolve/secrets.ts';
import type { Bundle, SecretLocation, SecretRef } from '../resolve/types.ts';
import type { YamlValue } from './_yaml.ts';

export interface ComposeContext {
  manifest: Manifest;
  environment: Environment;
  bundles: Bundle[];
  /** Folder of the rendered file relative to the project root (`''` for the root); secret `file:` paths follow it. */
  dir: string;
  warnings: string[];
}

/** The top-level secret key: the key's name, or `<name>_<tenant>` for a per-tenant key. */
export function secretSource(ref: { name: string; tenant?: string }): string {
  return ref.tenant === undefined ? ref.name : `${ref.name}_${ref.tenant}`;
}

/**
 * Where the instance's secret is read from once deployed. A secret still sitting in a config layer is never
 * rendered as a value: it points at the store location `envplane migrate` will give it, with a warning.
 */
export function deliveredLocation(ctx: ComposeContext, bundle: Bundle, ref: SecretRef): SecretLocation {
  if (ref.location.kind !== 'layer') return ref.location;
  const key = ctx.manifest.keys[ref.name];
  if (!key) return ref.location;
  const moved = storeLocation(ctx.environment, key, bundle.instance.tenant);
  const where =
    moved.kind === 'file'
      ? moved.path
      : moved.kind === 'external'
        ? `external secret ${moved.name}`
        : moved.kind === 'store'
          ? moved.ref
          : 'a layer';
  ctx.warnings.push(
    `${ref.name} of ${bundle.instance.id} is still in ${ref.location.file}:${ref.location.line}; rendered as ${where} (run \`envplane migrate\` to move it there)`,
  );
  return moved;
}

/** `file:` relative to the rendered file's folder, or `external: true` with the store's name. */
export function secretDefinition(dir: string, location: SecretLocation): Record<string, YamlValue> {
  if (location.kind === 'external') return { name: location.name, external: true };
  if (location.kind === 'layer') throw new Error('secretDefinition: a layer location must be moved first');
  if (location.kind === 'store')
    throw new EnvplaneError('usage', `${location.ref} is kept in the ${location.store} store, not in a plain file`, {
      hint: 'Compose reads plain files only: deliver the values with `envplane run`, or use an environment whose store is files',
    });
  const relative = posix.relative(dir === '' ? '.' : dir, location.path);
  return { file: relative.startsWith('../') ? relative : `./${relative}` };
}

/** Declared config keys with a value, then `<fileEnv>: /run/secrets/<name>` for each secret. */
export function serviceEnvironment(ctx: ComposeContext, bundle: Bundle): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const c of bundle.config) {
    if (c.value === undefined) {
      ctx.warnings.push(`${c.key} has no value for ${bundle.instance.id} in ${bundle.environment}; left out`);
      continue;
    }
    environment[c.key] = c.value;
  }
  for (const s of bundle.secrets) {
    if (Object.hasOwn(environment, s.fileEnv))
      throw new EnvplaneError(
        'input',
        `${bundle.instance.id}: ${s.fileEnv} is both a config key and ${s.name}'s fileEnv`,
        {
          location: { file: ctx.manifest.file },
          hint: `give ${s.name} another fileEnv, or rename the config key`,
        },
      );
    environment[s.fileEnv] = s.target;
  }
  return environment;
}

/** Short syntax for plain secrets; long syntax for per-tenant ones, so every tenant reads the same path. */
export function serviceSecrets(bundle: Bundle): YamlValue[] {
  return bundle.secrets.map((s) =>
    s.tenant === undefined ? s.name : { source: secretSource(s), target: s.target.replace(/^\/run\/secrets\//, '') },
  );
}

/** Adds a top-level definition, refusing two different secrets under one key (`a_wex` vs per-tenant `a`). */
export function defineSecret(
  ctx: ComposeContext,
  definitions: Record<string, Record<string, YamlValue>>,
  source: string,
  location: SecretLocation,
): void {
  const definition = secretDefinition(ctx.dir, location);
  const existing = definitions[source];
  if (existing && JSON.stringify(existing) !== JSON.stringify(definition))
    throw new EnvplaneError('input', `two different secrets would both be named "${source}" in the rendered file`, {
      location: { file: ctx.manifest.file },
      hint: 'rename one of the keys: a per-tenant key `x` for tenant `t` is rendered as `x_t`',
    });
  definitions[source] = definition;
}

/** Compose and Swarm interpolate `$` in every string of the file; `$$` is a literal `$`. */
export function escapeInterpolation(value: YamlValue): YamlValue {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$');
  if (Array.isArray(value)) return value.map(escapeInterpolation);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeInterpolation(v)]));
  return value;
}

/** `{project}`, `{service}`, `{tenant}`, `{instance}`, `{env}` in an image or build-context template. */
export function fillTemplate(template: string, manifest: Manifest, bundle: Bundle): string {
  return template
    .replaceAll('{project}', manifest.project)
    .replaceAll('{service}', bundle.instance.service)
    .replaceAll('{tenant}', bundle.instance.tenant ?? '')
    .replaceAll('{instance}', bundle.instance.slug)
    .replaceAll('{env}', bundle.environment);
}
