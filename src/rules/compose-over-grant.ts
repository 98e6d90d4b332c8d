/**
 * Isolation proof against the user's own Compose files: every env file and secret a Compose service is granted
 * must be one the manifest gives that instance. A hand-written `etl-wex` that mounts techcorp's token is caught here.
 */
import type { ComposeModel, ComposeService } from '../adopt/compose-model.ts';
import { listInstances } from '../resolve/instances.ts';
import { layersFor } from '../resolve/layers.ts';
import type { Instance } from '../resolve/types.ts';
import { type SecretOwner, secretOwners, tenantLayers } from './_tenancy.ts';
import type { Key, Manifest } from '../manifest/types.ts';
import type { Finding, Rule } from './types.ts';

/** The instances a Compose service stands for: `etl-wex` is etl@wex; `etl` stands for every etl tenant. */
function instancesFor(name: string, all: Instance[]): Instance[] {
  const bySlug = all.filter((i) => i.slug === name);
  return bySlug.length > 0 ? bySlug : all.filter((i) => i.service === name);
}

interface Context {
  manifest: Manifest;
  all: Instance[];
  owners: Map<string, SecretOwner>;
  tenantOf: Map<string, string>;
  allLayerPaths: Set<string>;
  /** Environment variable name → the key it carries: config keys by name, secrets also by their upper-case name. */
  keyOfVariable: Map<string, Key>;
  /** The assignments of an env file (a layer, or another file a compose file lists); undefined when unreadable. */
  envFileEntries: (path: string) => readonly EnvFileEntry[] | undefined;
}

interface EnvFileEntry {
  key: string;
  line: number;
  looksSecret: boolean;
}

function checkService(context: Context, model: ComposeModel, service: ComposeService): Finding[] {
  const { manifest, owners, tenantOf, allLayerPaths } = context;
  const instances = instancesFor(service.name, context.all);
  const allowedLayers = new Set(
    instances.flatMap((i) => manifest.environments.flatMap((e) => layersFor(manifest, e, i).map((l) => l.path))),
  );
  const who = instances.length === 0 ? `${service.name} (not in the manifest)` : service.name;
  const found: Finding[] = [];
  const tenants = new Map<string, { file: string; line: number }>();
  const note = (tenant: string | undefined, file: string, line: number) => {
    if (tenant !== undefined && !tenants.has(tenant)) tenants.set(tenant, { file, line });
  };

  // What the env files hand over, key by key: Compose gives the service every key of every file it lists.
  const received = new Map<string, { envFile: ComposeService['envFiles'][number]; entry: EnvFileEntry }>();
  for (const envFile of service.envFiles) {
    const managed = allLayerPaths.has(envFile.path);
    if (managed) {
      note(tenantOf.get(envFile.path), envFile.file, envFile.line);
      if (!allowedLayers.has(envFile.path)) {
        found.push({
          message: `${envFile.file} gives ${who} env_file ${envFile.path}, which the manifest does not give it`,
          location: { file: envFile.file, line: envFile.line },
          service: service.name,
        });
        continue; // the whole file is the finding; its keys are not listed one by one
      }
    }
    for (const entry of context.envFileEntries(envFile.path) ?? []) received.set(entry.key, { envFile, entry });
  }
  for (const [name, { envFile, entry }] of received) {
    const key = context.keyOfVariable.get(name);
    const isSecret = key ? key.plane === 'secret' || key.plane === 'build' : entry.looksSecret;
    const declared = key !== undefined && instances.some((i) => manifest.services[i.service]?.uses.includes(key.name));
    if (declared && !isSecret) continue;
    const via = `env_file ${envFile.path} (${envFile.path}:${entry.line})`;
    found.push({
      message: isSecret
        ? `${envFile.file} gives ${who} ${key ? `secret ${key.name}` : `${name}, which looks like a secret,`} as an environment variable through ${via}`
        : `${envFile.file} gives ${who} ${name} through ${via}, which ${key ? 'the service does not declare' : 'the manifest does not know'}`,
      location: { file: envFile.file, line: envFile.line },
      related: [{ file: envFile.path, line: entry.line }],
      service: service.name,
      key: key?.name ?? name,
      severity: isSecret ? 'error' : 'warning',
      hint: isSecret
        ? `stop listing ${envFile.path} under env_file (render the service with \`envplane render compose\`, which passes declared keys only), and mount ${key?.name ?? name} as a secret`
        : `remove env_file ${envFile.path} from ${service.name} and let \`envplane render compose\` pass its declared keys, or declare ${name} in services.${service.name}.uses`,
    });
  }
  for (const variable of service.environment) {
    const key = context.keyOfVariable.get(variable.key);
    if (!key) continue; // a variable envplane does not manage (`POSTGRES_PASSWORD_FILE`, `TZ`, …)
    const isSecret = key.plane === 'secret' || key.plane === 'build';
    const declared = instances.some((i) => manifest.services[i.service]?.uses.includes(key.name));
    if (!isSecret && declared) continue;
    found.push({
      severity: isSecret ? 'error' : 'warning',
      message: isSecret
        ? `${variable.file} gives ${who} secret ${key.name} as the environment variable ${variable.key}`
        : `${variable.file} gives ${who} ${variable.key}, which the manifest does not give it`,
      location: { file: variable.file, line: variable.line },
      service: service.name,
      key: key.name,
      ...(isSecret
        ? { hint: `mount it as a secret (\`secrets: [${key.name}]\`) and read ${key.fileEnv ?? 'the file'}` }
        : {}),
    });
  }
  const grants = [
    ...service.secrets.map((s) => ({ ...s, build: false })),
    ...service.buildSecrets.map((s) => ({ ...s, build: true })),
  ];
  for (const grant of grants) {
    const def = model.secrets[grant.source];
    const owner: SecretOwner | undefined =
      (def?.path !== undefined ? owners.get(def.path) : undefined) ??
      (def?.externalName !== undefined ? owners.get(def.externalName) : undefined) ??
      (manifest.keys[grant.source] ? { key: grant.source } : undefined);
    if (!owner) continue; // a secret envplane does not manage
    note(owner.tenant, grant.file, grant.line);
    const allowed = instances.some((i) => {
      const s = manifest.services[i.service];
      const declared = grant.build ? s?.build.includes(owner.key) : s?.uses.includes(owner.key);
      return declared && (owner.tenant === undefined || owner.tenant === i.tenant);
    });
    if (allowed) continue;
    const what = `${grant.build ? 'build secret' : 'secret'} ${grant.source}${owner.tenant ? ` (${owner.key} of tenant ${owner.tenant})` : owner.key !== grant.source ? ` (${owner.key})` : ''}`;
    found.push({
      message: `${grant.file} gives ${who} ${what}, which the manifest does not give it`,
      location: { file: grant.file, line: grant.line },
      service: service.name,
      key: owner.key,
    });
  }
  if (tenants.size > 1) {
    const [first, second] = [...tenants.entries()];
    found.push({
      message: `${service.name} is granted values of tenants ${[...tenants.keys()].sort().join(', ')} at once`,
      location: { file: second![1].file, line: second![1].line },
      related: [{ file: first![1].file, line: first![1].line }],
      service: service.name,
    });
  }
  return found;
}

function variableKeys(manifest: Manifest): Map<string, Key> {
  const map = new Map<string, Key>();
  for (const key of Object.values(manifest.keys)) {
    map.set(key.name, key);
    if (key.plane === 'secret' || key.plane === 'build') {
      const upper = key.name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
      if (!map.has(upper)) map.set(upper, key);
    }
  }
  return map;
}

export const composeOverGrant: Rule<'compose-over-grant'> = {
  id: 'compose-over-grant',
  severity: 'error',
  title: 'Compose grants more than the manifest',
  // Findings about config keys are warnings (the finding's own severity); secrets, files and tenants are errors.
  why: 'What runs is what Compose mounts: a hand-edited compose file can undo every least-privilege promise.',
  hint: 'remove the grant from the compose file, or declare the key for the service in envplane.yaml and render again',
  run(input) {
    if (input.compose.length === 0) return [];
    const { manifest } = input;
    const all = listInstances(manifest);
    const context: Context = {
      manifest,
      all,
      owners: secretOwners(manifest),
      tenantOf: tenantLayers(manifest, manifest.environments),
      keyOfVariable: variableKeys(manifest),
      envFileEntries: (path) => input.layers[path] ?? input.envFiles[path],
      allLayerPaths: new Set(
        all.flatMap((i) => manifest.environments.flatMap((e) => layersFor(manifest, e, i).map((l) => l.path))),
      ),
    };
    return input.compose.flatMap((model) =>
      Object.values(model.services).flatMap((service) => checkService(context, model, service)),
    );
  },
};
