/**
 * Two declarations that render to one name: an instance `etl@wex` and a service `etl-wex` are one Compose service
 * and one set of Kubernetes objects; secrets `db.pass` and `db_pass` both point `DB_PASS_FILE` at their file. Each
 * consumer would silently keep one of them, so every rendered name is checked here and a collision names both
 * declarations. Service names are compared as cut to the 63 characters of a Kubernetes name; an external (Swarm)
 * name longer than Swarm's 64 is refused outright, as Swarm would. Pure.
 */
import { type ManifestCheck, placeOf, type Report } from './_report.ts';
import { fillStorePattern, injectedVariable, isSwarmSecretName, SWARM_NAME_LIMIT, variableOf } from './names.ts';
import { fillRemotePath } from './remote-path.ts';
import type { Manifest } from './types.ts';

/** Kubernetes names and labels (DNS labels) hold 63 characters. */
const KUBERNETES_LIMIT = 63;

interface Claim {
  /** How the declaration is named in a message: `service etl-wex`, `etl@wex`, `secret db.pass`. */
  who: string;
  at: string[];
  /**
   * The declaration behind the claim, when one declaration makes several names (a per-tenant key, one per tenant):
   * claims of one owner are not a collision here. (Two tenants sharing one store location is the `isolation-tenant`
   * rule's finding: `check` reports it with the tenants named.)
   */
  owner?: string;
}

/** One namespace of rendered names: the first claim of each name wins, every later one is reported. */
function namespace(manifest: Manifest, report: Report, what: string, limit = Number.POSITIVE_INFINITY) {
  const claims = new Map<string, Claim>();
  return (name: string, claim: Claim): void => {
    const cut = name.slice(0, limit);
    const first = claims.get(cut);
    if (!first) {
      claims.set(cut, claim);
      return;
    }
    if (first.who === claim.who || (claim.owner !== undefined && first.owner === claim.owner)) return;
    const shortened = cut !== name ? ` (cut to ${limit} characters)` : '';
    report(
      claim.at,
      `${claim.who} and ${first.who} would share ${what} "${cut}"${shortened}; ${first.who} is at ${placeOf(manifest.file, manifest.positions, first.at)}`,
      'rename one of them: each consumer would keep only one',
    );
  };
}

/** Compose and Swarm service names, ECS container names and the Kubernetes objects named after them. */
function instanceNames(manifest: Manifest, report: Report): void {
  const claim = namespace(manifest, report, 'the service', KUBERNETES_LIMIT);
  for (const s of Object.values(manifest.services)) {
    const at = ['services', s.name];
    if (!s.perTenant) claim(s.name, { who: `service ${s.name}`, at });
    else for (const t of new Set(s.tenants)) claim(`${s.name}-${t}`, { who: `${s.name}@${t}`, at });
  }
}

/** The secrets each key is rendered as: the shared one, or one per tenant of the services that use it. */
function renderedSecrets(manifest: Manifest): { name: string; tenant?: string }[] {
  const tenantsOf = new Map<string, Set<string>>();
  for (const s of Object.values(manifest.services))
    for (const name of new Set([...s.uses, ...s.build])) {
      const key = manifest.keys[name];
      if (!key || key.plane === 'config' || key.plane === 'public') continue;
      const set = tenantsOf.get(name) ?? new Set<string>();
      if (key.perTenant) for (const t of s.tenants) set.add(t);
      tenantsOf.set(name, set);
    }
  return [...tenantsOf].flatMap(([name, tenants]) =>
    manifest.keys[name]!.perTenant ? [...tenants].map((tenant) => ({ name, tenant })) : [{ name }],
  );
}

const secretWho = (s: { name: string; tenant?: string }) =>
  s.tenant === undefined ? `secret ${s.name}` : `secret ${s.name} of tenant ${s.tenant}`;

/** Top-level `secrets:` keys of Compose and Swarm files: `<name>`, or `<name>_<tenant>` for a tenant's value. */
function composeSecretKeys(manifest: Manifest, report: Report): void {
  const claim = namespace(manifest, report, 'the Compose secret');
  for (const s of renderedSecrets(manifest))
    claim(s.tenant === undefined ? s.name : `${s.name}_${s.tenant}`, { who: secretWho(s), at: ['keys', s.name] });
}

/** Where each environment's store keeps each secret: one file, or one external (Swarm) name, per secret. */
function storeLocations(manifest: Manifest, report: Report): void {
  const secrets = renderedSecrets(manifest);
  for (const environment of manifest.environments) {
    const store = environment.secrets;
    if (store.kind === 'vault' || store.kind === 'aws') {
      const entry = namespace(manifest, report, `the ${store.kind} entry of ${environment.name}`);
      for (const s of secrets) {
        const template = s.tenant === undefined ? store.path : store.tenantPath;
        const fields = { project: '', env: '', name: s.name, ...(s.tenant !== undefined ? { tenant: s.tenant } : {}) };
        try {
          entry(fillRemotePath(template, fields), { who: secretWho(s), at: ['keys', s.name], owner: s.name });
        } catch (error) {
          report(['keys', s.name], (error as Error).message, 'secret names and tenants fill the store path: rename it');
        }
      }
      continue;
    }
    const external = store.kind === 'external';
    const claim = namespace(
      manifest,
      report,
      external ? `the external secret of ${environment.name}` : `the secret file of ${environment.name}`,
    );
    const invalid = new Set<string>();
    for (const s of secrets) {
      const pattern = s.tenant === undefined ? store.pattern : store.tenantPattern;
      const filled = fillStorePattern(pattern, s.name, s.tenant, external ? store.prefix : '');
      // Swarm refuses such a name rather than cutting it: said once per name, where the key is declared.
      if (external && !isSwarmSecretName(filled)) {
        if (!invalid.has(filled))
          report(
            ['keys', s.name],
            `"${filled}" (${secretWho(s)} in ${environment.name}) is not a valid Swarm secret name`,
            `names are at most ${SWARM_NAME_LIMIT} characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; shorten the store prefix or the key`,
          );
        invalid.add(filled);
        continue;
      }
      claim(external ? filled : `${store.dir}/${filled}`, { who: secretWho(s), at: ['keys', s.name], owner: s.name });
    }
  }
}

/**
 * The variables one service's process receives. With files (run, Compose, Kubernetes): config keys and each
 * secret's `fileEnv`. Where secrets are injected as values (ECS, `run --secrets=env`): each secret's variable, one
 * per secret. A BuildKit secret's variable in CI (`env=DB_PASS`). Each set is one namespace.
 */
function serviceVariables(manifest: Manifest, report: Report): void {
  for (const s of Object.values(manifest.services)) {
    const files = namespace(manifest, report, `a variable of ${s.name}`);
    const injected = namespace(manifest, report, `a variable of ${s.name} (ECS, run --secrets=env)`);
    const build = namespace(manifest, report, `a build variable of ${s.name}`);
    const at = (list: 'uses' | 'build', i: number) => ['services', s.name, list, String(i)];
    s.uses.forEach((name, i) => {
      const key = manifest.keys[name];
      if (!key || key.plane === 'build') return;
      if (key.plane !== 'secret') {
        // Not claimed among injected names: a config key named like a secret's variable matters only with
        // `run --secrets=env`, which refuses it itself; plain `run` delivers both.
        files(name, { who: `config key ${name}`, at: at('uses', i) });
        return;
      }
      const fileEnv = key.fileEnv ?? '';
      files(fileEnv, { who: `the file variable of secret ${name}`, at: at('uses', i) });
      const who = { who: `secret ${name}`, at: at('uses', i) };
      injected(injectedVariable(fileEnv, name), who);
      if (variableOf(name) !== injectedVariable(fileEnv, name)) injected(variableOf(name), who);
    });
    s.build.forEach((name, i) => {
      build(variableOf(name), { who: `build secret ${name}`, at: at('build', i) });
    });
  }
}

export const collisionChecks: readonly ManifestCheck[] = [
  { name: 'instance-names', run: instanceNames },
  { name: 'compose-secret-keys', run: composeSecretKeys },
  { name: 'store-locations', run: storeLocations },
  { name: 'service-variables', run: serviceVariables },
];
