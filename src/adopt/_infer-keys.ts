/**
 * Every key an existing project mentions, with its plane and the evidence: BuildKit and Compose secrets, names of
 * files in `secrets/`, keys set in env files (classified by name and value), Compose `environment:` entries (file
 * pointers, literal defaults, `${VAR}` references) and keys named only by `.example` templates. Pure.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { defaultFileEnv } from '../manifest/names.ts';
import type { Plane } from '../manifest/types.ts';
import { type Classification, classifyKey } from './classify.ts';
import type { EnvFileRole } from './_file-roles.ts';
import type { ComposeModel } from './compose-model.ts';
import type { Decision, ExistingProject } from './inference.ts';

export interface KeyFacts {
  plane: Plane;
  reason: string;
  where?: string;
  perTenant: boolean;
  /** Seen in a layer that is not a tenant's (so it cannot be per tenant). */
  shared: boolean;
  fileEnv?: string;
  /** The plane was decided (not a guess left as config): only then may a value become a `default:`. */
  certain: boolean;
  defaults: Set<string>;
  inLayer: boolean;
}

export function collectKeys(
  project: ExistingProject,
  stacks: Map<string, ComposeModel>,
  roles: Map<string, EnvFileRole>,
  allTenants: string[],
  decisions: Decision[],
  warnings: string[],
): Map<string, KeyFacts> {
  const keys = new Map<string, KeyFacts>();
  // Digests of every value each key is given, with the services (or files) giving it: equal values under two names.
  const valueDigests = new Map<string, Map<string, Set<string>>>();
  const sawValue = (key: string, value: string | undefined, by: string) => {
    if (value === undefined || value === '') return;
    const digest = bytesToHex(sha256(utf8ToBytes(value)));
    const byDigest = valueDigests.get(key) ?? new Map<string, Set<string>>();
    byDigest.set(digest, (byDigest.get(digest) ?? new Set()).add(by));
    valueDigests.set(key, byDigest);
  };
  const setKey = (
    name: string,
    facts: Omit<KeyFacts, 'perTenant' | 'shared' | 'defaults' | 'inLayer' | 'certain'> & { certain?: boolean },
  ) => {
    if (keys.has(name)) return keys.get(name)!;
    const k: KeyFacts = {
      certain: true,
      ...facts,
      perTenant: false,
      shared: false,
      defaults: new Set(),
      inLayer: false,
    };
    keys.set(name, k);
    return k;
  };

  // 1. Build secrets and runtime secrets that Compose mounts.
  for (const [env, stack] of stacks)
    for (const service of Object.values(stack.services)) {
      for (const b of service.buildSecrets)
        setKey(b.source, {
          plane: 'build',
          reason: `a BuildKit secret of ${service.name} (${env})`,
          where: `${b.file}:${b.line}`,
        });
      for (const s of service.secrets) {
        const existing = keys.get(s.source);
        if (existing?.plane === 'build') {
          existing.plane = 'secret';
          warnings.push(`${s.source} is both a build secret and a runtime secret; declared as a runtime secret`);
        }
        setKey(s.source, {
          plane: 'secret',
          reason: `mounted as a Compose secret by ${service.name}`,
          where: `${s.file}:${s.line}`,
        });
      }
    }
  // 2. Files in secrets/: names only.
  for (const path of project.secretFiles) {
    const m = /^secrets\/(?:([^/]+)\/)?([^/]+?)\.txt(\.example)?$/.exec(path);
    if (!m) continue;
    const [, tenant, name] = m;
    const k = setKey(name!, { plane: 'secret', reason: `a secret file in secrets/`, where: path });
    if (tenant && allTenants.includes(tenant)) k.perTenant = true;
  }
  // 3. Keys set in env files.
  for (const file of project.envFiles) {
    const role = roles.get(file.path)!;
    for (const entry of file.entries) {
      const where = `${file.path}:${entry.line}`;
      const k = keys.get(entry.key) ?? setKey(entry.key, { ...planeOf(classifyKey(entry.key, entry.value)), where });
      reclassify(k, entry.key, entry.value, where);
      sawValue(entry.key, entry.value, file.path);
      k.inLayer = true;
      if (role.kind === 'tenant') k.perTenant = true;
      else k.shared = true;
    }
  }
  // 4. `environment:` of Compose services: file pointers, literal defaults, `${VAR}` references.
  const pointers = new Map<string, Set<string>>();
  for (const stack of stacks.values())
    for (const service of Object.values(stack.services))
      for (const v of service.environment) {
        const pointer = v.value?.startsWith('/run/secrets/') ? v.value.slice('/run/secrets/'.length) : undefined;
        const target = pointer && service.secrets.find((s) => s.target === v.value)?.source;
        if (target && keys.get(target)?.plane === 'secret') {
          pointers.set(target, (pointers.get(target) ?? new Set()).add(v.key));
          continue;
        }
        const literal = v.value !== undefined && !v.value.includes('$') ? v.value : undefined;
        const where = `${v.file}:${v.line}`;
        const k = keys.get(v.key) ?? setKey(v.key, { ...planeOf(classifyKey(v.key, literal)), where });
        reclassify(k, v.key, literal, where);
        sawValue(v.key, literal, service.name);
        if (literal !== undefined) k.defaults.add(literal);
        if (v.value === undefined || v.value.includes('$'))
          decisions.push({
            subject: v.key,
            decision: 'value left to Compose',
            reason: `${service.name} takes it from the shell or .env through interpolation`,
            where: `${v.file}:${v.line}`,
          });
        if (literal !== undefined && k.plane === 'secret')
          warnings.push(
            `${v.key} is written in plain text under environment: of ${service.name} (${v.file}:${v.line})`,
          );
      }
  // One variable names a secret's file in the manifest: the one Compose uses (the default when several do).
  for (const [target, names] of pointers) {
    const fallback = defaultFileEnv(target);
    const chosen = names.has(fallback) ? fallback : [...names][0]!;
    if (chosen !== fallback) keys.get(target)!.fileEnv = chosen;
    if (names.size > 1)
      warnings.push(
        `${target}'s file is named by ${[...names].join(' and ')}; the manifest uses ${chosen} for every service`,
      );
  }
  // 5. Keys named only by `.example` templates.
  for (const example of project.exampleFiles)
    for (const key of example.keys) setKey(key, { ...planeOf(classifyKey(key)), where: example.path });
  proposeSharedSecrets(keys, valueDigests, decisions, warnings);
  return keys;
}

/**
 * Two secret keys given one value (compared by digest; the value is never printed) are most often one credential
 * under each service's own name (MYSQL_PASSWORD for the database, WORDPRESS_DB_PASSWORD for the application).
 * Declared as two secrets, `setup` and `rotate` would give them different values and the application could no
 * longer log in: said, with the one-secret way out, as a warning and a decision.
 */
function proposeSharedSecrets(
  keys: Map<string, KeyFacts>,
  valueDigests: Map<string, Map<string, Set<string>>>,
  decisions: Decision[],
  warnings: string[],
): void {
  const secrets = [...valueDigests].filter(([name]) => keys.get(name)?.plane === 'secret');
  for (let i = 0; i < secrets.length; i++)
    for (let j = i + 1; j < secrets.length; j++) {
      const [a, da] = secrets[i]!;
      const [b, db] = secrets[j]!;
      const shared = [...da.keys()].find((d) => db.has(d));
      if (shared === undefined) continue;
      const by = (m: Map<string, Set<string>>) => [...m.get(shared)!].join(', ');
      const reason = `${a} (${by(da)}) and ${b} (${by(db)}) hold the same value (compared by digest)`;
      warnings.push(
        `${reason}: probably one credential; declare one secret and grant it to every service that reads either name, or \`setup\`/\`rotate\` will give them different values (check warns: secret-same-value)`,
      );
      decisions.push({ subject: `${a} and ${b}`, decision: 'propose one secret', reason });
    }
}

function planeOf(c: Classification): { plane: Plane; reason: string; certain: boolean } {
  return {
    plane: c.plane,
    reason: c.certain ? c.reason : `${c.reason}; kept as ${c.plane} — check it`,
    certain: c.certain,
  };
}

/**
 * A key first judged config (or public) by one value is judged again by each further value it is given: one that
 * holds a credential (or that leaves its classification uncertain) wins, so no value of it becomes a `default:`.
 */
function reclassify(k: KeyFacts, name: string, value: string | undefined, where: string): void {
  if (k.plane === 'secret' || k.plane === 'build' || value === undefined) return;
  const c = classifyKey(name, value);
  if (c.plane === 'secret' && c.certain) Object.assign(k, { plane: 'secret', reason: c.reason, where, certain: true });
  else if (!c.certain && k.certain) Object.assign(k, { ...planeOf(c), plane: k.plane, where });
}

/** Config and public keys first, then secrets, then build secrets; first-seen order within each. */
