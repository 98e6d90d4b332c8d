/**
 * An existing project → the manifest that describes it as it is (not as it should be): environments from file
 * names, layers from `env_file:` lists (or from the seeds' file conventions when there is no Compose), services and
 * tenants, which service receives which key, and each key's plane. Every decision carries its reason. Faithful on
 * purpose: a service is granted what the project grants it today, and `grants.ts` says where that is too much. Pure.
 */
import type { EnvironmentDraft, KeyDraft, ServiceDraft } from '../manifest/write.ts';
import { isValidName, keyNameKind } from '../manifest/names.ts';
import type { Plane } from '../manifest/types.ts';
import { environmentAliases } from './scaffold.ts';
import { type EnvFileRole, envFileRole } from './_file-roles.ts';
import { collectKeys } from './_infer-keys.ts';
import { instanceFor, type InstanceOf, matchesLayer, templateTenant } from './_instances.ts';
import { composeStacks } from './_stacks.ts';
import { storeOf } from './_store-of.ts';
import type { Decision, ExistingProject, Inference } from './inference.ts';

const BROWSER_NAME = /(^|-)(front|frontend|web|www|ui|client|spa|site)(-|$)/;
const ENV_ORDER = ['development', 'test', 'staging', 'production'];

export function inferManifest(project: ExistingProject): Inference {
  const decisions: Decision[] = [];
  const warnings: string[] = [];
  const stacks = composeStacks(project.composeFiles, decisions);
  const roles = new Map<string, EnvFileRole>(project.envFiles.map((f) => [f.path, envFileRole(f.path)]));
  const entriesOf = new Map(project.envFiles.map((f) => [f.path, f.entries]));

  // Environments: from Compose variants and env-named layers; development when nothing says otherwise.
  const envNames = new Set<string>(stacks.keys());
  const words = new Map<string, Set<string>>();
  for (const role of roles.values())
    if (role.kind === 'environment') {
      envNames.add(role.environment);
      words.set(role.environment, (words.get(role.environment) ?? new Set()).add(role.word));
    }
  if (envNames.size === 0) envNames.add('development');
  const environments = [...envNames].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  // Tenants and per-tenant services from `.env.<service>.<tenant>` files.
  const tenantsOf = new Map<string, Set<string>>();
  for (const role of roles.values())
    if (role.kind === 'tenant')
      tenantsOf.set(role.service, (tenantsOf.get(role.service) ?? new Set()).add(role.tenant));
  const allTenants = [...new Set([...tenantsOf.values()].flatMap((t) => [...t]))].sort();

  const keys = collectKeys(project, stacks, roles, allTenants, decisions, warnings);

  // Environments: layers and stores.
  const envDrafts: Record<string, EnvironmentDraft> = {};
  const serviceLayers = new Map<string, string[]>();
  const instanceNames = new Map<string, InstanceOf>();
  for (const env of environments) {
    const stack = stacks.get(env);
    const aliases = [...new Set([...environmentAliases(env), ...(words.get(env) ?? [])])].filter((a) => a !== env);
    const draft: EnvironmentDraft = { ...(aliases.length > 0 ? { aliases } : {}) };
    if (stack) {
      const lists = Object.values(stack.services)
        .map((s) => s.envFiles.map((e) => e.path))
        .filter((l) => l.length > 0);
      // Files named after this environment (`config/prod.env`) are environment layers even when only some services
      // read them: `uses:` still limits each service to its own keys.
      const envNamed = (p: string) => {
        const role = roles.get(p) ?? envFileRole(p);
        return role.kind === 'environment' && role.environment === env;
      };
      const prefix = commonPrefix(lists);
      const common = [...prefix, ...new Set(lists.flat().filter((p) => envNamed(p) && !prefix.includes(p)))];
      draft.config = common;
      for (const service of Object.values(stack.services)) {
        const instance = instanceFor(service, roles);
        instanceNames.set(service.name, instance);
        const rest = service.envFiles.map((e) => e.path).filter((p) => !common.includes(p));
        const templated = rest.map((p) => templateTenant(p, instance));
        const previous = serviceLayers.get(instance.service);
        if (previous === undefined) serviceLayers.set(instance.service, templated);
        else if (previous.join() !== templated.join())
          warnings.push(
            `${service.name} reads other env files in ${env} (${templated.join(', ') || 'none'}); the manifest lists ${previous.join(', ') || 'none'}`,
          );
        for (const e of service.envFiles)
          if (!entriesOf.has(e.path) && e.required)
            warnings.push(`${e.path} is named by ${service.name} (${e.file}:${e.line}) but does not exist`);
      }
      draft.secrets = storeOf(env, stack, warnings);
      decisions.push({
        subject: `environment ${env}`,
        decision: `layers ${common.join(', ') || '(none)'}`,
        reason: 'the env_file entries every service of its Compose files shares, in order',
      });
    } else {
      const layers = project.envFiles
        .map((f) => f.path)
        .filter((p) => {
          const role = roles.get(p)!;
          return (
            role.kind === 'shared' ||
            (role.kind === 'environment' && role.environment === env) ||
            (role.kind === 'dotenv' && stacks.size === 0 && project.composeFiles.length === 0)
          );
        })
        .sort((a, b) => layerRank(roles.get(a)!) - layerRank(roles.get(b)!) || a.localeCompare(b));
      draft.config = layers;
      draft.secrets = { store: 'files', dir: 'secrets' };
      decisions.push({
        subject: `environment ${env}`,
        decision: `layers ${layers.join(', ') || '(none)'}`,
        reason: 'shared files first (config/common.env, .env.shared), then the files named after the environment',
      });
    }
    envDrafts[env] = draft;
  }

  // Env files that no environment reads as a layer and that are not a service's own: say so, with the way out.
  const envLayerFiles = new Set(Object.values(envDrafts).flatMap((e) => e.config ?? []));
  for (const file of project.envFiles) {
    const role = roles.get(file.path)!;
    const used =
      envLayerFiles.has(file.path) ||
      [...serviceLayers.values()].some((l) => l.some((p) => matchesLayer(p, file.path)));
    const own = stacks.size === 0 && (role.kind === 'service' || role.kind === 'tenant');
    if (used || own) continue;
    decisions.push({
      subject: file.path,
      decision: 'not a layer',
      reason:
        role.kind === 'dotenv'
          ? 'Compose reads .env for ${VAR} interpolation only; its keys are declared, no service is granted them'
          : 'no Compose service reads it; if it is a legacy file, `envplane migrate ' +
            file.path +
            ' --env <env>` splits it',
    });
  }

  // Services: from Compose when there is Compose, else from `.env.<service>` files and service folders.
  const services = new Map<
    string,
    { uses: Set<string>; build: Set<string>; tenants: Set<string>; config: string[]; own: Set<string> }
  >();
  const serviceOf = (name: string) => {
    let s = services.get(name);
    if (!s) {
      s = {
        uses: new Set(),
        build: new Set(),
        tenants: new Set(),
        config: serviceLayers.get(name) ?? [],
        own: new Set(),
      };
      services.set(name, s);
    }
    return s;
  };
  for (const [env, stack] of stacks)
    for (const service of Object.values(stack.services)) {
      const instance = instanceNames.get(service.name) ?? instanceFor(service, roles);
      const s = serviceOf(instance.service);
      if (instance.tenant) s.tenants.add(instance.tenant);
      for (const e of service.envFiles) for (const entry of entriesOf.get(e.path) ?? []) s.uses.add(entry.key);
      for (const v of service.environment) if (keys.has(v.key)) s.uses.add(v.key);
      for (const sec of service.secrets) s.uses.add(sec.source);
      for (const b of service.buildSecrets) s.build.add(b.source);
      decisions.push({
        subject: `service ${instance.service}${instance.tenant ? `@${instance.tenant}` : ''}`,
        decision: `uses what ${service.name} receives in ${env}`,
        reason: 'its env_file, environment: and secrets: entries',
        where: `${service.file}:${service.line}`,
      });
    }
  if (stacks.size === 0) {
    const envLayers = new Set(Object.values(envDrafts).flatMap((e) => e.config ?? []));
    for (const file of project.envFiles) {
      const role = roles.get(file.path)!;
      if (role.kind !== 'service' && role.kind !== 'tenant') continue;
      const s = serviceOf(role.service);
      const layer =
        role.kind === 'tenant' ? templateTenant(file.path, { service: role.service, tenant: role.tenant }) : file.path;
      if (role.kind === 'tenant') s.tenants.add(role.tenant);
      if (!s.config.includes(layer)) s.config.push(layer);
      for (const entry of file.entries) s.own.add(entry.key);
    }
    for (const [name, s] of services) {
      const browser = [...s.own].every((k) => keys.get(k)?.plane === 'public') && s.own.size > 0;
      for (const k of s.own) s.uses.add(k);
      if (!browser) for (const layer of envLayers) for (const e of entriesOf.get(layer) ?? []) s.uses.add(e.key);
      decisions.push({
        subject: `service ${name}`,
        decision: browser
          ? 'uses only its own public keys'
          : `uses its own keys and those of ${[...envLayers].join(', ') || 'no shared layer'}`,
        reason: browser
          ? 'every key of its own file is public: a browser bundle, which must not receive the shared layer'
          : 'the seeds give each service the shared file plus its own (`cat .env.shared .env.<service>`)',
      });
    }
  }

  // Keys: per tenant only where every setting is a tenant's; defaults only when Compose agrees everywhere.
  const keyDrafts: Record<string, KeyDraft> = {};
  const perTenantServices = new Set([...services].filter(([, s]) => s.tenants.size > 0).map(([n]) => n));
  for (const [name, k] of keys) {
    const valid = isValidName(keyNameKind(k.plane), name);
    if (!valid) {
      warnings.push(`${name} cannot be declared: not a valid ${k.plane} key name (${k.where ?? 'unknown place'})`);
      for (const s of services.values()) {
        s.uses.delete(name);
        s.build.delete(name);
      }
      continue;
    }
    let perTenant = k.perTenant && !k.shared;
    if (perTenant && [...services].some(([n, s]) => s.uses.has(name) && !perTenantServices.has(n))) {
      perTenant = false;
      warnings.push(`${name} is set per tenant but also used by a service that is not per tenant; declared once`);
    }
    const draft: KeyDraft = { plane: k.plane, comment: `${k.plane}: ${k.reason}${k.where ? ` (${k.where})` : ''}` };
    if (perTenant) draft.perTenant = true;
    if (k.fileEnv) draft.fileEnv = k.fileEnv;
    // A value goes into the committed manifest only when the key is surely not a secret.
    if (k.plane !== 'secret' && k.plane !== 'build' && k.certain && !k.inLayer && k.defaults.size === 1)
      draft.default = [...k.defaults][0]!;
    if (k.defaults.size > 1)
      warnings.push(`${name} has different values under environment: in Compose; set it in a layer`);
    keyDrafts[name] = draft;
    decisions.push({ subject: name, decision: k.plane, reason: k.reason, ...(k.where ? { where: k.where } : {}) });
  }

  const serviceDrafts: Record<string, ServiceDraft> = {};
  for (const [name, s] of [...services].sort(([a], [b]) => a.localeCompare(b))) {
    const uses = [...s.uses].filter((k) => keyDrafts[k] && keyDrafts[k]!.plane !== 'build');
    const build = [...s.build].filter((k) => keyDrafts[k]?.plane === 'build');
    const hasSecret = uses.some((k) => keyDrafts[k]!.plane === 'secret');
    const isPublic =
      !hasSecret && uses.some((k) => keyDrafts[k]!.plane === 'public') && (BROWSER_NAME.test(name) || s.own.size > 0);
    const draft: ServiceDraft = { uses: orderKeys(uses, keyDrafts) };
    if (build.length > 0) draft.build = build;
    if (s.tenants.size > 0) {
      draft.perTenant = true;
      const tenants = [...s.tenants].sort();
      if (tenants.join() !== allTenants.join()) draft.tenants = tenants;
      const files = project.envFiles
        .map((f) => f.path)
        .filter((p) => {
          const role = roles.get(p);
          return role?.kind === 'tenant' && role.service === name && s.tenants.has(role.tenant);
        })
        .sort();
      decisions.push({
        subject: `service ${name}`,
        decision: `per tenant: ${tenants.join(', ')}`,
        reason: `one env file per tenant, named .env.${name}.<tenant>: ${files.join(', ')}`,
        ...(files[0] ? { where: files[0] } : {}),
      });
    }
    if (isPublic) draft.public = true;
    if (s.config.length > 0) draft.config = s.config;
    serviceDrafts[name] = draft;
    if (isPublic)
      decisions.push({
        subject: `service ${name}`,
        decision: 'public',
        reason: 'it receives public keys and no secret',
      });
  }
  // A per-tenant key used by no per-tenant service cannot be per tenant.
  for (const [name, draft] of Object.entries(keyDrafts))
    if (draft.perTenant && !Object.values(serviceDrafts).some((s) => s.perTenant && s.uses?.includes(name)))
      if (Object.values(serviceDrafts).some((s) => s.uses?.includes(name))) delete draft.perTenant;
  // Say why a key is per tenant where the reason for its plane does not.
  for (const d of decisions)
    if (keyDrafts[d.subject]?.perTenant && d.decision === keyDrafts[d.subject]!.plane) {
      d.decision += ', per tenant';
      d.reason += '; only per-tenant files set it, so each tenant has its own value';
    }

  return {
    draft: {
      project: project.name,
      environments: envDrafts,
      ...(allTenants.length > 0 ? { tenants: allTenants } : {}),
      keys: Object.fromEntries(orderKeys(Object.keys(keyDrafts), keyDrafts).map((k) => [k, keyDrafts[k]!])),
      services: serviceDrafts,
    },
    decisions,
    warnings,
    stacks,
  };
}

function orderKeys(names: string[], drafts: Record<string, KeyDraft>): string[] {
  const order: Plane[] = ['config', 'public', 'secret', 'build'];
  return [...names].sort((a, b) => order.indexOf(drafts[a]!.plane) - order.indexOf(drafts[b]!.plane));
}

function rank(env: string): number {
  const i = ENV_ORDER.indexOf(env);
  return i === -1 ? ENV_ORDER.length : i;
}

function layerRank(role: EnvFileRole): number {
  return role.kind === 'dotenv' ? 0 : role.kind === 'shared' ? 1 : 2;
}

function commonPrefix(lists: string[][]): string[] {
  if (lists.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const item = lists[0]![i];
    if (item === undefined || !lists.every((l) => l[i] === item)) return out;
    out.push(item);
  }
}
