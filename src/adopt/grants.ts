/**
 * Does a manifest grant each service what the project's own Compose files grant it? For every environment with
 * Compose files and every Compose service, the keys (env_file entries, `environment:`, `secrets:`, and build secrets
 * where the stack builds) are compared with the service's resolved bundle: keys on one side only, and config values
 * that differ. Also where Compose over-grants (a shared env_file hands every service every key). Values are compared,
 * never shown. Pure.
 */
import type { Manifest } from '../manifest/types.ts';
import { type LayerSet, resolveBundle } from '../resolve/bundle.ts';
import { instanceOf } from '../resolve/instances.ts';
import { envFileRole } from './_file-roles.ts';
import type { ComposeModel, ComposeService } from './compose-model.ts';
import { instanceFor } from './_instances.ts';

export interface GrantDifference {
  environment: string;
  /** The Compose service (`etl-wex`) and the manifest instance (`etl@wex`). */
  service: string;
  instance: string;
  kind: 'missing' | 'extra' | 'value' | 'over-grant';
  key: string;
  reason: string;
  where?: string;
}

interface ComposeGrant {
  where: string;
  value?: string;
  /** The value is decided by Compose interpolation (`${VAR}`) or the shell: not comparable. */
  open: boolean;
}

export function compareGrants(
  manifest: Manifest,
  layers: LayerSet,
  stacks: Map<string, ComposeModel>,
): GrantDifference[] {
  const out: GrantDifference[] = [];
  for (const [envName, stack] of stacks) {
    const environment = manifest.environments.find((e) => e.name === envName);
    if (!environment) continue;
    for (const service of Object.values(stack.services)) {
      const target = instanceFor(service, new Map());
      const instance = instanceOf(target.service, target.tenant);
      const base = { environment: envName, service: service.name, instance: instance.id };
      if (!manifest.services[target.service]) {
        out.push({ ...base, kind: 'missing', key: '*', reason: `no service ${target.service} in the manifest` });
        continue;
      }
      const granted = composeGrants(service, layers);
      const bundle = resolveBundle(manifest, layers, environment, instance);
      const given = new Map<string, string | undefined>();
      for (const c of bundle.config) given.set(c.key, c.value);
      for (const s of bundle.secrets) given.set(s.name, undefined);
      if (service.builds) for (const b of bundle.build) given.set(`build:${b.id}`, undefined);
      for (const [key, grant] of granted) {
        if (!given.has(key)) {
          out.push({
            ...base,
            kind: 'missing',
            key,
            reason: 'Compose grants it; the manifest does not',
            where: grant.where,
          });
          continue;
        }
        const value = given.get(key);
        const isConfig = bundle.config.some((c) => c.key === key);
        if (isConfig && !grant.open && grant.value !== value)
          out.push({
            ...base,
            kind: 'value',
            key,
            reason: 'the value Compose passes differs from the one the manifest resolves',
            where: grant.where,
          });
      }
      for (const key of given.keys())
        if (!granted.has(key))
          out.push({
            ...base,
            kind: 'extra',
            key,
            reason: `the manifest grants it (the service uses it in another environment); Compose does not in ${envName}`,
          });
      out.push(...overGrants(base, service, stack, manifest, layers));
    }
  }
  return out;
}

/** Key → where Compose grants it, with the value a config key ends up with (env_file in order, then environment:). */
function composeGrants(service: ComposeService, layers: LayerSet): Map<string, ComposeGrant> {
  const out = new Map<string, ComposeGrant>();
  for (const e of service.envFiles)
    for (const entry of layers[e.path] ?? [])
      out.set(entry.key, { where: `${e.path}:${entry.line}`, value: entry.value, open: false });
  const pointers = new Set(service.secrets.map((s) => s.target));
  for (const v of service.environment) {
    if (v.value !== undefined && pointers.has(v.value)) continue;
    const open = v.value === undefined || v.value.includes('$');
    out.set(v.key, { where: `${v.file}:${v.line}`, ...(v.value !== undefined ? { value: v.value } : {}), open });
  }
  for (const s of service.secrets) out.set(s.source, { where: `${s.file}:${s.line}`, open: true });
  for (const b of service.buildSecrets) out.set(`build:${b.source}`, { where: `${b.file}:${b.line}`, open: true });
  return out;
}

/** Where Compose gives a service more than it should: secrets as variables, server keys to a browser service. */
function overGrants(
  base: { environment: string; service: string; instance: string },
  service: ComposeService,
  stack: ComposeModel,
  manifest: Manifest,
  layers: LayerSet,
): GrantDifference[] {
  const out: GrantDifference[] = [];
  const isPublic = manifest.services[instanceFor(service, new Map()).service]?.public === true;
  for (const e of service.envFiles) {
    const sharedWith = Object.values(stack.services).filter(
      (s) => s !== service && s.envFiles.some((f) => f.path === e.path),
    );
    const entries = layers[e.path] ?? [];
    for (const entry of entries) {
      const key = manifest.keys[entry.key];
      if (key?.plane === 'secret' || key?.plane === 'build')
        out.push({
          ...base,
          kind: 'over-grant',
          key: entry.key,
          reason: `a secret handed over as a plain variable by env_file ${e.path}; deliver it as a file (envplane migrate)`,
          where: `${e.path}:${entry.line}`,
        });
    }
    if (isPublic) {
      const server = entries.filter((x) => manifest.keys[x.key]?.plane !== 'public').length;
      if (server > 0)
        out.push({
          ...base,
          kind: 'over-grant',
          key: '*',
          reason: `a browser service receives ${server} non-public key(s) from ${e.path}; trim its \`uses:\` to what it reads`,
          where: e.path,
        });
    } else if (sharedWith.length > 0 && envFileRole(e.path).kind === 'shared' && entries.length > 0) {
      out.push({
        ...base,
        kind: 'over-grant',
        key: '*',
        reason: `receives all ${entries.length} key(s) of ${e.path}, shared with ${sharedWith.map((s) => s.name).join(', ')}; trim \`uses:\` to what it reads`,
        where: e.path,
      });
    }
  }
  return out;
}
