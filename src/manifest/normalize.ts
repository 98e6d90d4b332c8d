/**
 * Written manifest → normalized manifest, once. Defaults are applied here and names are cross-checked, so that
 * nothing downstream has to ask "what if this service uses a key that does not exist?". Every problem is collected
 * (one run reports all of a manifest's mistakes): the build steps report what they meet and carry on with what is
 * usable, then the named cross-checks in `CHECKS` run over the result, and, when every name is valid, the
 * collision checks (`_collisions.ts`).
 */
import { EnvplaneError } from '../errors.ts';
import { collisionChecks } from './_collisions.ts';
import { type ManifestCheck, type Report, reporter } from './_report.ts';
import { unknownHint } from './_suggest.ts';
import { parseGenerate } from './generate.ts';
import { fillRemotePath } from './remote-path.ts';
import { normalizeStart } from './_start.ts';
import { defaultFileEnv, isValidName, keyNameKind, NAME_RULES, type NameKind, pathTemplateProblem } from './names.ts';
import type { WrittenKey, WrittenManifest } from './schema.ts';
import type { Environment, Key, Manifest, Position, RemoteSecretStore, SecretStore, Service } from './types.ts';

export type { ManifestCheck, ManifestProblem } from './_report.ts';

export const CHECKS: readonly ManifestCheck[] = [
  { name: 'service-keys', run: checkServiceKeys },
  { name: 'silence-scope', run: checkSilences },
];

export function normalizeManifest(
  written: WrittenManifest,
  file: string,
  positions: Record<string, Position>,
): Manifest {
  const { report, problems } = reporter(file, positions);

  checkName(
    report,
    'project',
    written.project,
    ['project'],
    'the project name is not a valid name for images, Compose projects and stacks',
  );
  const tenants = uniqueNames(written.tenants, ['tenants'], 'tenant', report);
  for (const [i, t] of tenants.entries())
    checkName(report, 'tenant', t, ['tenants', String(i)], `tenant "${t}" is not a valid name`);

  const environments = normalizeEnvironments(written, report);
  const keys: Record<string, Key> = Object.create(null);
  for (const [name, writtenKey] of Object.entries(written.keys)) keys[name] = normalizeKey(name, writtenKey, report);

  const services: Record<string, Service> = Object.create(null);
  for (const [name, s] of Object.entries(written.services)) services[name] = normalizeService(name, s, tenants, report);

  const manifest: Manifest = {
    file,
    project: written.project,
    environments,
    tenants,
    keys,
    services,
    silence: written.silence.map((s) => ({ ...s })),
    positions,
  };
  for (const check of CHECKS) check.run(manifest, report);
  // Collisions are judged between valid names only: an invalid name or pattern would collide by accident.
  if (problems.length === 0) for (const check of collisionChecks) check.run(manifest, report);
  const error = EnvplaneError.of('input', problems);
  if (error) throw error;
  return manifest;
}

/** A name against its rule, reported at its node with the rule and where the name ends up. */
function checkName(report: Report, kind: NameKind, name: string, at: string[], message: string): boolean {
  if (isValidName(kind, name)) return true;
  const rule = NAME_RULES[kind];
  report(at, message, `use ${rule.rule}: it ends up in ${rule.becomes}`);
  return false;
}

function normalizeService(
  name: string,
  s: WrittenManifest['services'][string],
  tenants: string[],
  report: Report,
): Service {
  const at = ['services', name];
  checkName(report, 'service', name, at, `service "${name}" is not a valid name`);
  const serviceTenants = s.tenants ?? (s.perTenant ? tenants : []);
  if (s.perTenant && serviceTenants.length === 0)
    report([...at, 'perTenant'], `service "${name}" is per tenant but there are no tenants`, 'add `tenants: [a, b]`');
  if (!s.perTenant && s.tenants)
    report([...at, 'tenants'], `service "${name}" lists tenants but is not per tenant`, 'add `perTenant: true`');
  serviceTenants.forEach((t, i) => {
    if (!tenants.includes(t))
      report([...at, 'tenants', String(i)], `unknown tenant "${t}"`, unknownHint(t, tenants, 'tenants'));
  });
  s.config.forEach((layer, i) => {
    const here = [...at, 'config', String(i)];
    checkPath(layer, ['{env}', '{tenant}'], here, report);
    if (layer.includes('{tenant}') && !s.perTenant)
      report(here, `"{tenant}" in a layer of a service that is not per tenant`, 'add `perTenant: true`');
  });
  const service: Service = {
    name,
    uses: uniqueNames(s.uses, [...at, 'uses'], 'key', report),
    build: uniqueNames(s.build, [...at, 'build'], 'build secret', report),
    perTenant: s.perTenant,
    tenants: serviceTenants,
    public: s.public,
    config: s.config,
  };
  // `_start.ts` stops at its first problem: reported here, and the service is left without a start.
  const stop = Symbol('reported');
  try {
    const start = normalizeStart(name, s, s.perTenant ? serviceTenants.length : 1, (keys, message, hint) => {
      report(keys, message, hint);
      throw stop;
    });
    if (start) service.start = start;
  } catch (error) {
    if (error !== stop) throw error;
  }
  return service;
}

function normalizeEnvironments(written: WrittenManifest, report: Report): Environment[] {
  const seen = new Map<string, string>();
  const environments: Environment[] = [];
  const entries = Object.entries(written.environments);
  if (entries.length === 0)
    report(['environments'], 'no environment is declared', 'add `environments: { development: {} }`');
  for (const [name, e] of entries) {
    const at = ['environments', name];
    for (const [i, label] of [name, ...e.aliases].entries()) {
      const here = i === 0 ? at : [...at, 'aliases', String(i - 1)];
      const what = i === 0 ? `environment "${label}"` : `alias "${label}" of environment "${name}"`;
      checkName(report, 'environment', label, here, `${what} is not a valid name`);
      const other = seen.get(label);
      if (other !== undefined)
        report(here, `"${label}" already names environment "${other}"`, 'each name and alias must be unique');
      seen.set(label, name);
    }
    e.config.forEach((layer, i) => {
      const here = [...at, 'config', String(i)];
      if (layer.includes('{tenant}'))
        report(
          here,
          'environment layers cannot depend on a tenant',
          'put tenant layers under the service: `config: [.env.etl.{tenant}]`',
        );
      else checkPath(layer, [], here, report);
    });
    environments.push({
      name,
      aliases: e.aliases,
      config: e.config,
      secrets: normalizeStore(e.secrets, written.project, name, at, report),
    });
  }
  return environments;
}

function normalizeStore(
  written: WrittenManifest['environments'][string]['secrets'],
  project: string,
  env: string,
  at: string[],
  report: Report,
): SecretStore {
  const here = [...at, 'secrets'];
  if (written.store === 'vault' || written.store === 'aws') return remoteStore(written, project, env, here, report);
  if (written.store === 'files') {
    checkPath(written.dir, [], [...here, 'dir'], report);
    const dir = trimSlash(written.dir);
    checkStorePattern(written.pattern, ['{name}'], ['{name}'], [...here, 'pattern'], dir, report);
    // Without {tenant}, tenants share one file: `check` reports that (isolation-tenant), naming the tenants.
    checkStorePattern(
      written.tenantPattern,
      ['{tenant}', '{name}'],
      ['{name}'],
      [...here, 'tenantPattern'],
      dir,
      report,
    );
    return { kind: 'files', dir, pattern: written.pattern, tenantPattern: written.tenantPattern };
  }
  if (!EXTERNAL_NAME.test(written.prefix))
    report([...here, 'prefix'], `the prefix "${written.prefix}" is not part of a valid secret name`, EXTERNAL_HINT);
  checkExternalPattern(written.pattern, ['{prefix}', '{name}'], [...here, 'pattern'], report);
  checkExternalPattern(written.tenantPattern, ['{prefix}', '{tenant}', '{name}'], [...here, 'tenantPattern'], report);
  return {
    kind: 'external',
    prefix: written.prefix,
    pattern: written.pattern,
    tenantPattern: written.tenantPattern,
    ...(written.arn !== undefined ? { arn: written.arn } : {}),
  };
}

/** A secret manager's templates with `{project}` and `{env}` filled; `{name}` (and `{tenant}`) stay for each secret. */
function remoteStore(
  w: Extract<WrittenManifest['environments'][string]['secrets'], { store: 'vault' | 'aws' }>,
  project: string,
  env: string,
  at: string[],
  report: Report,
): RemoteSecretStore {
  const [pathField, tenantField] = w.store === 'vault' ? ['path', 'tenantPath'] : ['name', 'tenantName'];
  const [path, tenantPath] = w.store === 'vault' ? [w.path, w.tenantPath] : [w.name, w.tenantName];
  const check = (template: string, field: string, perTenant: boolean) => {
    if (!template.includes('{name}'))
      report([...at, field], `the ${field} template has no {name}`, 'each secret needs its own entry: add {name}');
    if (perTenant && !template.includes('{tenant}'))
      report([...at, field], `the ${field} template has no {tenant}`, 'each tenant needs its own entry: add {tenant}');
    if (template.includes('{service}'))
      report(
        [...at, field],
        `{service} is not supported in the ${field} template`,
        'one entry per secret, shared by the instances that read it (docs/stores/vault.md says why)',
      );
    try {
      fillRemotePath(template, { project, env, name: 'x', ...(perTenant ? { tenant: 'x' } : {}) }, `${field} template`);
    } catch (err) {
      report([...at, field], (err as Error).message, 'segments may hold letters, digits and _ . @ = - only');
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

/** External names reach Compose `name:`, `docker secret create` and secret managers: one portable alphabet. */
const EXTERNAL_NAME = /^[A-Za-z0-9_./-]*$/;
const EXTERNAL_HINT = 'external secret names are letters, digits, `_`, `.`, `-` and `/`';

/** A store pattern names one place per secret: it must hold `{name}` and stay inside the store. */
function checkStorePattern(
  pattern: string,
  allowed: string[],
  required: string[],
  at: string[],
  dir: string,
  report: Report,
): void {
  const problem = pathTemplateProblem(pattern, allowed);
  if (problem) {
    // Worded as the store's own path check words it (stores/_paths.ts), so every command says the same.
    const leaves = problem.message.includes('leaves the project');
    report(at, leaves ? `secret pattern "${pattern}" is outside the store ${dir}` : problem.message, problem.hint);
    return;
  }
  for (const p of required)
    if (!pattern.includes(p))
      report(at, `the pattern "${pattern}" has no ${p}: every secret would share one file`, `add ${p}`);
}

function checkExternalPattern(pattern: string, allowed: string[], at: string[], report: Report): void {
  const unknown = (pattern.match(/\{[^}]*\}|[{}]/g) ?? []).find((p) => !allowed.includes(p));
  if (unknown) {
    report(at, `unknown placeholder ${unknown} in "${pattern}"`, `this pattern may use ${allowed.join(', ')}`);
    return;
  }
  if (!EXTERNAL_NAME.test(pattern.replace(/\{[a-z]+\}/g, '')))
    report(at, `the pattern "${pattern}" does not make a valid secret name`, EXTERNAL_HINT);
  // Without {tenant}, tenants share one name: `check` reports that (isolation-tenant), naming the tenants.
  if (!pattern.includes('{name}'))
    report(at, `the pattern "${pattern}" has no {name}: secrets would share one name`, 'add {name}');
}

function normalizeKey(name: string, written: WrittenKey, report: Report): Key {
  const at = ['keys', name];
  const w = typeof written === 'string' ? { plane: written, perTenant: false } : written;
  const isSecret = w.plane === 'secret' || w.plane === 'build';
  checkName(report, keyNameKind(w.plane), name, at, `"${name}" is not a valid ${w.plane} key name`);
  const key: Key = {
    name,
    plane: w.plane,
    required: 'required' in w && w.required !== undefined ? w.required : w.plane === 'secret',
    perTenant: w.perTenant,
  };
  if ('description' in w && w.description !== undefined) key.description = w.description;
  if ('default' in w && w.default !== undefined) {
    if (isSecret)
      report(
        [...at, 'default'],
        `secret "${name}" cannot have a default value`,
        'a default would be committed in plain text; use `generate:` instead',
      );
    key.default = String(w.default);
    if (key.default.includes('\0'))
      report(
        [...at, 'default'],
        `the default of "${name}" holds a NUL character, which no environment variable can carry`,
        'remove the `\\0` from the value',
      );
  }
  if ('generate' in w && w.generate !== undefined) {
    if (w.plane !== 'secret')
      report(
        [...at, 'generate'],
        `only secrets can be generated`,
        'remove `generate:` or make the key `plane: secret`',
      );
    const rule = parseGenerate(w.generate);
    if (typeof rule === 'string')
      report([...at, 'generate'], rule, 'write `base64:32`, `hex:32`, `password:24` or `uuid`');
    else key.generate = rule;
  }
  if ('fileEnv' in w && w.fileEnv !== undefined) {
    if (w.plane !== 'secret')
      report(
        [...at, 'fileEnv'],
        '`fileEnv` applies to runtime secrets only',
        'remove it or make the key `plane: secret`',
      );
    if (!isValidName('variable', w.fileEnv))
      report([...at, 'fileEnv'], `"${w.fileEnv}" is not a variable name`, NAME_RULES.variable.rule);
    key.fileEnv = w.fileEnv;
  } else if (w.plane === 'secret') {
    key.fileEnv = defaultFileEnv(name);
  }
  if ('maxAge' in w && w.maxAge !== undefined) {
    const days = typeof w.maxAge === 'number' ? w.maxAge : /^(\d+)d$/.exec(w.maxAge)?.[1];
    if (days === undefined || Number(days) <= 0)
      report([...at, 'maxAge'], 'maxAge must be a number of days', 'write `maxAge: 90` or `maxAge: 90d`');
    else if (w.plane !== 'secret') report([...at, 'maxAge'], '`maxAge` applies to secrets only', 'remove it');
    else key.maxAgeDays = Number(days);
  }
  return key;
}

function checkServiceKeys(manifest: Manifest, report: Report): void {
  const { keys } = manifest;
  // Listed only when a name is unknown: building the list for every service made normalizing quadratic.
  const known = () => Object.keys(keys);
  for (const service of Object.values(manifest.services)) {
    const at = ['services', service.name];
    for (const [i, name] of service.uses.entries()) {
      const here = [...at, 'uses', String(i)];
      const key = keys[name];
      if (!key)
        report(
          here,
          `service "${service.name}" uses unknown key "${name}"`,
          `${unknownHint(name, known(), 'keys')}; declare it under \`keys:\``,
        );
      else if (key.plane === 'build')
        report(
          here,
          `"${name}" is a build secret`,
          'list build secrets under `build:`, not `uses:`: they exist only while the image builds',
        );
      else if (key.perTenant && !service.perTenant)
        report(
          here,
          `"${name}" has one value per tenant but service "${service.name}" is not per tenant`,
          'add `perTenant: true` to the service, or drop `perTenant` from the key',
        );
    }
    for (const [i, name] of service.build.entries()) {
      const here = [...at, 'build', String(i)];
      const key = keys[name];
      if (!key)
        report(
          here,
          `unknown build secret "${name}"`,
          `${unknownHint(name, known(), 'keys')}; declare it with \`plane: build\``,
        );
      else if (key.plane !== 'build')
        report(
          here,
          `"${name}" is a ${key.plane} key, not a build secret`,
          'move it to `uses:` or declare it `plane: build`',
        );
    }
  }
}

/** A silence's key and service exist (its rule id is checked in rules/, which knows the rules). */
function checkSilences(manifest: Manifest, report: Report): void {
  for (const [i, s] of manifest.silence.entries()) {
    if (s.service && !manifest.services[s.service])
      report(
        ['silence', String(i), 'service'],
        `unknown service "${s.service}"`,
        unknownHint(s.service, Object.keys(manifest.services), 'services'),
      );
    if (s.key && !manifest.keys[s.key])
      report(
        ['silence', String(i), 'key'],
        `unknown key "${s.key}"`,
        unknownHint(s.key, Object.keys(manifest.keys), 'keys'),
      );
  }
}

function uniqueNames(list: string[], at: string[], what: string, report: Report): string[] {
  const seen = new Set<string>();
  list.forEach((name, i) => {
    if (seen.has(name)) report([...at, String(i)], `${what} "${name}" is listed twice`, 'remove the second entry');
    seen.add(name);
  });
  return list;
}

/** Layer and store paths stay inside the project: they are read, and secret stores are written. */
function checkPath(path: string, placeholders: string[], at: string[], report: Report): void {
  const problem = pathTemplateProblem(path, placeholders);
  if (problem) report(at, problem.message, problem.hint);
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, '') || '.';
}
