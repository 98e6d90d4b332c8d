/**
 * `envplane render <target>`: resolve every instance's bundle in one environment, hand them to a pure renderer
 * (src/targets) and give the files to the one writer (io/emit), which writes them atomically or, with --check,
 * compares them with the disk. Secret values are read here only for Kubernetes Secrets, and output carrying them
 * is never printed without --reveal.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { defineCommand } from 'citty';
import { EnvplaneError } from '../../errors.ts';
import { appendAudit } from '../../audit/log.ts';
import { emitFiles, type EmitResult } from '../../io/emit.ts';
import { positionOf } from '../../manifest/_pointer.ts';
import { unknownHint } from '../../manifest/_suggest.ts';
import type { Environment } from '../../manifest/types.ts';
import { type ComposeModel, readComposeFiles } from '../../project/compose.ts';
import type { Project } from '../../project/load.ts';
import { loadProject } from '../../project/load.ts';
import { resolveBundle } from '../../resolve/bundle.ts';
import { findEnvironment, listInstances, selectInstances } from '../../resolve/instances.ts';
import { allLayers } from '../../resolve/layers.ts';
import { storeLocation } from '../../resolve/secrets.ts';
import type { Bundle } from '../../resolve/types.ts';
import { redactText } from '../../redact/redactor.ts';
import { collectKnownValues, secretSources } from '../../scan/known.ts';
import { describeLocation, readStoreValues } from '../../stores/index.ts';
import { readSecretValue } from '../../stores/read.ts';
import { secretSource } from '../../targets/_compose.ts';
import { DEFAULT_ARN_TEMPLATE } from '../../targets/_arn.ts';
import { renderBuildkit } from '../../targets/buildkit.ts';
import { renderGithub } from '../../targets/ci-github.ts';
import { renderGitlab } from '../../targets/ci-gitlab.ts';
import { DEFAULT_CONTEXT, DEFAULT_IMAGE, renderCompose } from '../../targets/compose.ts';
import { type EcsOptions, renderEcs } from '../../targets/ecs.ts';
import { renderK8s } from '../../targets/k8s.ts';
import { remoteGrants } from '../../targets/grants.ts';
import { renderIamPolicy } from '../../targets/iam-policy.ts';
import { renderSwarm } from '../../targets/swarm.ts';
import { renderVaultPolicy } from '../../targets/vault-policy.ts';
import type { Rendering } from '../../targets/types.ts';
import { required, requiredArgument } from '../_context.ts';
import { streamKind, style, styleErr } from '../_style.ts';
import { invalidFlagValue, outputFile } from '../_flags.ts';
import { type Args, args, PER_SERVICE, TARGETS, type Target, TO_STDOUT } from './_render-args.ts';
import { shellLine } from '../../shell.ts';

export default defineCommand({
  meta: {
    name: 'render',
    description: 'Render deployment wiring: compose, swarm, k8s, ecs, buildkit, ci github|gitlab',
  },
  args,
  async run({ args: given }) {
    const a = given as Args;
    const target = pickTarget(a.target, a.provider);
    const envName = required(a.env, 'env', 'name an environment, e.g. --env production');
    const project = loadProject({ ...(a.dir ? { dir: a.dir } : {}), environment: envName });
    const environment = findEnvironment(project.manifest, envName);
    const bundles = pickInstances(project, target, a).map((i) =>
      resolveBundle(project.manifest, project.layers, environment, i),
    );
    const toStdout = a.output === '-' || (a.output === undefined && TO_STDOUT.has(target));
    const path = a.output && a.output !== '-' ? projectPath(project.root, outputFile(a.output)) : undefined;
    // Values are read only for the one target that carries them, at the moment it needs them.
    const values =
      target === 'k8s' && !a['external-secrets']
        ? await k8sValues(project, environment, bundles)
        : new Map<string, string>();
    const rendering = renderTarget(target, a, project, environment, bundles, path, values);
    if (CARRIES_CONFIG.has(target)) rendering.warnings.push(...shellWarnings(bundles));
    for (const warning of rendering.warnings) process.stderr.write(`${styleErr.yellow('warning')}: ${warning}\n`);
    if (toStdout) return printOut(rendering, a);
    const results = emitFiles(rendering.files, {
      root: project.root,
      check: a.check === true,
      force: a.force === true,
      inputs: projectInputs(project, bundles),
      ...(a.check ? { mask: knownValueMask(project) } : {}),
    });
    return report(results, rendering, a);
  },
});

/** The targets whose files hold config values (the others name secrets only). */
const CARRIES_CONFIG: ReadonlySet<Target> = new Set(['compose', 'swarm', 'k8s', 'ecs']);

/**
 * A value a layer interpolates from the caller's environment (`${NAME}` that the shell sets, or a bare `NAME` line)
 * makes the rendered file depend on who renders it: the same checkout renders differently on another machine.
 */
function shellWarnings(bundles: Bundle[]): string[] {
  const seen = new Map<string, { names: string[]; instances: string[] }>();
  for (const b of bundles)
    for (const c of b.config) {
      if (c.source.kind !== 'layer' || !c.source.shell) continue;
      const id = `${c.key}\u0000${c.source.file}:${c.source.line}`;
      const entry = seen.get(id) ?? { names: c.source.shell, instances: [] };
      entry.instances.push(b.instance.id);
      seen.set(id, entry);
    }
  return [...seen.entries()].map(([id, { names, instances }]) => {
    const [key, at] = id.split('\u0000');
    const vars = names.map((n) => `$${n}`).join(', ');
    return `${key} (${at}, for ${instances.join(', ')}) takes ${vars} from your shell: the rendered file depends on who renders it; set ${names.length > 1 ? 'them' : 'it'} in a layer, or unset ${names.length > 1 ? 'them' : 'it'} before rendering`;
  });
}

const TEMPLATE_PLACEHOLDERS = ['{project}', '{service}', '{tenant}', '{instance}', '{env}'];

/** --image and --context: not empty, and no placeholder other than the five it fills (a typo stays in the output). */
function checkTemplate(flag: 'image' | 'context', template: string): string {
  const unknown = (template.match(/(?<!\$)\{[^{}]*\}/g) ?? []).filter((p) => !TEMPLATE_PLACEHOLDERS.includes(p));
  if (template.trim() === '' || unknown.length > 0)
    throw invalidFlagValue(
      flag,
      `a non-empty template whose placeholders are ${TEMPLATE_PLACEHOLDERS.join(' ')}`,
      unknown.length > 0 ? unknownHint(unknown[0]!, TEMPLATE_PLACEHOLDERS, 'placeholders') : undefined,
    );
  return template;
}

/** --refresh-interval as the External Secrets Operator reads it: a Go duration such as 1h, 30m or 1h30m. */
function checkDuration(value: string): string {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value))
    throw invalidFlagValue('refresh-interval', 'a duration such as 1h, 30m or 1h30m');
  return value;
}

function pickTarget(name: string | undefined, provider: string | undefined): Target {
  const target = requiredArgument(name, 'target', `usage: envplane render <${TARGETS.join('|')}> --env <env>`);
  if ((TARGETS as readonly string[]).includes(target)) {
    // Only `ci` reads a second argument; elsewhere it is a mistake (`render compose prod`), never silently dropped.
    if (target !== 'ci' && provider !== undefined)
      throw new EnvplaneError('usage', `1 unexpected argument for envplane render ${target}`, {
        hint: `only \`render ci\` takes a second argument (github or gitlab); name the environment with --env`,
      });
    return target as Target;
  }
  throw new EnvplaneError('usage', `unknown target "${target}"`, {
    hint: unknownHint(target, [...TARGETS], 'targets'),
  });
}

/** Every instance, or the ones --service (and --tenant) name, for the targets that can render part of a project. */
function pickInstances(project: Project, target: Target, a: Args) {
  if ((a.service !== undefined || a.tenant !== undefined) && !PER_SERVICE.has(target))
    throw new EnvplaneError(
      'usage',
      `render ${target} describes the whole project; --service and --tenant do not apply`,
      {
        hint: `render every service, or use --service with ${[...PER_SERVICE].join(', ')}`,
      },
    );
  return selectInstances(project.manifest, a.service, a.tenant);
}

function renderTarget(
  target: Target,
  a: Args,
  project: Project,
  environment: Environment,
  bundles: Bundle[],
  path: string | undefined,
  values: Map<string, string>,
): Rendering {
  const manifest = project.manifest;
  const base = { manifest, environment, bundles, ...(path ? { path } : {}) };
  const image = checkTemplate('image', a.image ?? DEFAULT_IMAGE);
  const context = checkTemplate('context', a.context ?? DEFAULT_CONTEXT);
  const command = shellLine([
    'envplane',
    'render',
    target,
    ...(target === 'ci' ? [String(a.provider)] : []),
    '--env',
    environment.name,
    ...(a.service ? ['--service', a.service] : []),
    ...(a.tenant ? ['--tenant', a.tenant] : []),
  ]);
  switch (target) {
    case 'compose': {
      const mode = a.mode ?? 'override';
      if (mode !== 'override' && mode !== 'standalone') throw invalidFlagValue('mode', '"override" or "standalone"');
      if (mode === 'override') warnBaseEnvFiles(project.root, bundles);
      return renderCompose({
        ...base,
        mode,
        image,
        context,
        build: a.build === true,
        command: `${command}${mode === 'standalone' ? ' --mode standalone' : ''}`,
      });
    }
    case 'swarm':
      return renderSwarm({ ...base, image, command });
    case 'k8s':
      return renderK8s({
        ...base,
        image,
        command,
        values,
        ...(a.namespace ? { namespace: a.namespace } : {}),
        ...(a['external-secrets'] ? { externalSecrets: externalStore(a, manifest.project) } : {}),
      });
    case 'ecs':
      return renderEcsFrom(project, environment, a, base);
    case 'vault-policy':
    case 'iam-policy':
      return renderPolicy(target, project, environment, bundles, a, path);
    case 'buildkit':
      return renderBuildkit({ ...base, image, context, command });
    case 'ci': {
      const provider = requiredArgument(
        a.provider,
        'provider',
        'usage: envplane render ci <github|gitlab> --env <env>',
      );
      if (provider === 'github') return renderGithub({ ...base, image, context, command });
      if (provider === 'gitlab') return renderGitlab({ ...base, image, context, command });
      throw new EnvplaneError('usage', `unknown CI provider "${provider}"`, { hint: 'use github or gitlab' });
    }
  }
}

/** ECS with the ARN template of --arn-template, else of the manifest (errors then point at its line), else AWS's. */
function renderEcsFrom(project: Project, environment: Environment, a: Args, base: Omit<EcsOptions, 'arnTemplate'>) {
  const written = environment.secrets.kind === 'external' ? environment.secrets.arn : undefined;
  const options = {
    ...base,
    arnTemplate: a['arn-template'] ?? written ?? DEFAULT_ARN_TEMPLATE,
    ...(a.region ? { region: a.region } : {}),
    ...(a.account ? { account: a.account } : {}),
  };
  if (a['arn-template'] !== undefined || written === undefined) return renderEcs(options);
  try {
    return renderEcs(options);
  } catch (error) {
    if (!(error instanceof EnvplaneError)) throw error;
    const at = positionOf(project.manifest.positions, ['environments', environment.name, 'secrets', 'arn']);
    throw new EnvplaneError(error.kind, `${error.message} (the template is the manifest's secrets.arn)`, {
      location: { file: project.manifest.file, ...at },
      hint: error.hint ?? 'fix secrets.arn in envplane.yaml, or pass --arn-template',
    });
  }
}

function externalStore(a: Args, project: string) {
  const kind = a['store-kind'] ?? 'SecretStore';
  if (kind !== 'SecretStore' && kind !== 'ClusterSecretStore')
    throw invalidFlagValue('store-kind', '"SecretStore" or "ClusterSecretStore"');
  return {
    storeName: a['store-name'] ?? project,
    storeKind: kind,
    refreshInterval: checkDuration(a['refresh-interval'] ?? '1h'),
  } as const;
}

/**
 * One least-privilege policy per instance for the environment's secret manager (docs/stores/). `-o <folder>` writes
 * `<folder>/<env>/<instance>.hcl|json`; `--check` compares them with what the manifest gives now.
 */
function renderPolicy(
  target: 'vault-policy' | 'iam-policy',
  project: Project,
  environment: Environment,
  bundles: Bundle[],
  a: Args,
  path: string | undefined,
): Rendering {
  const store = environment.secrets;
  const want = target === 'vault-policy' ? 'vault' : 'aws';
  if (store.kind !== want)
    throw new EnvplaneError(
      'usage',
      `${environment.name} keeps its secrets in a ${store.kind} store, not ${want === 'vault' ? 'Vault' : 'AWS Secrets Manager'}`,
      {
        hint: `render ${target} needs an environment with \`secrets: { store: ${want} }\``,
      },
    );
  const grants = remoteGrants(bundles, (name, tenant) => {
    const key = project.manifest.keys[name];
    const location = key ? storeLocation(environment, key, key.perTenant ? tenant : undefined) : undefined;
    if (location?.kind !== 'store') throw new Error(`renderPolicy: ${name} has no ${want} location`);
    return location.ref;
  });
  const dir = path ?? undefined;
  if (store.kind === 'vault')
    return renderVaultPolicy({
      environment: environment.name,
      mount: store.mount,
      ...(store.namespace !== undefined ? { namespace: store.namespace } : {}),
      grants,
      ...(dir ? { dir } : {}),
    });
  if (store.kind !== 'aws') throw new Error('renderPolicy: unreachable');
  const region = a.region ?? store.region;
  if (!region)
    throw new EnvplaneError('usage', 'render iam-policy needs the region', {
      hint: 'pass --region, or set region: in the aws store',
    });
  const account = required(a.account, 'account', 'the ARNs name the 12-digit account id: --account 123456789012');
  return renderIamPolicy({
    environment: environment.name,
    region,
    account,
    ...(store.kmsKeyId !== undefined ? { kmsKeyId: store.kmsKeyId } : {}),
    grants,
    ...(dir ? { dir } : {}),
  });
}

/** Secret values for Kubernetes Secrets: read from the environment's store (or a layer still holding them). */
async function k8sValues(project: Project, environment: Environment, bundles: Bundle[]): Promise<Map<string, string>> {
  if (environment.secrets.kind === 'external')
    throw new EnvplaneError(
      'usage',
      `${environment.name} keeps its secrets in an external store; envplane does not hold the values`,
      {
        hint: 'render ExternalSecret objects instead: --external-secrets [--store-name N --store-kind SecretStore|ClusterSecretStore]',
      },
    );
  const values = new Map<string, string>();
  const missing: string[] = [];
  const scope = { root: project.root, manifest: project.manifest, environment };
  const refs = bundles.flatMap((b) => b.secrets);
  const read = await readStoreValues(scope, refs, project.layers);
  refs.forEach((ref, i) => {
    const value = read[i];
    if (value !== undefined) values.set(secretSource(ref), value);
    else if (ref.required)
      missing.push(ref.location.kind === 'file' ? ref.location.path : describeLocation(ref.location));
  });
  if (missing.length > 0)
    throw new EnvplaneError('input', `missing required secret values: ${[...new Set(missing)].join(', ')}`, {
      hint: 'run `envplane setup` to create them, or use --external-secrets',
    });
  if (values.size > 0)
    appendAudit(project.root, {
      command: 'render k8s',
      action: 'read',
      environment: environment.name,
      secrets: [...values.keys()],
    });
  return values;
}

/**
 * `--check`'s mask: every secret value envplane knows (each environment's store and every secret still in a layer,
 * whatever its length), in every form `scan` searches for, replaced by `[REDACTED:<name>]` — a value pasted into a
 * rendered file by hand never reaches the diff, which is what the rendered CI gate prints. Nothing is audited: no
 * value leaves the process.
 */
function knownValueMask(project: Project): (text: string) => string {
  const known = collectKnownValues(
    secretSources(project.manifest, project.layers),
    // A secret manager's values are not fetched for a diff (credentials, network): files and layers only.
    (location) =>
      location.kind === 'store'
        ? undefined
        : readSecretValue(project.root, location, project.layers, { untrusted: 'read' }),
    1,
  );
  const secrets = known.values.map((value, i) => ({ name: known.owners[i]![0]!.name, value }));
  return (text) => (secrets.length === 0 ? text : redactText(text, secrets));
}

/** Files the project reads, in every environment: never overwritten by a rendered file. */
function projectInputs(project: Project, bundles: Bundle[]): string[] {
  const manifest = project.manifest;
  const layers = allLayers(manifest, listInstances(manifest)).map((l) => l.path);
  const secretFiles = manifest.environments.flatMap((environment) =>
    Object.values(manifest.keys).flatMap((key) =>
      [undefined, ...manifest.tenants].flatMap((tenant) => {
        const location = storeLocation(environment, key, tenant);
        return location.kind === 'file' ? [location.path] : [];
      }),
    ),
  );
  const buildFiles = bundles.flatMap((b) =>
    b.build.flatMap((s) => (s.location.kind === 'file' ? [s.location.path] : [])),
  );
  return [manifest.file, ...layers, ...secretFiles, ...buildFiles];
}

function projectPath(root: string, output: string): string {
  return relative(root, resolve(output)).split(sep).join('/');
}

/** Where a refused secret rendering would have gone: a redirected stdout is a file the shell made with its umask. */
const SECRET_STDOUT: Record<ReturnType<typeof streamKind>, string> = {
  terminal: 'printed to a terminal',
  file: 'written to standard output (a file here, which the shell created with its umask, not mode 0600)',
  pipe: 'written to standard output (a pipe here)',
  null: 'written to standard output',
  other: 'written to standard output',
};

function printOut(rendering: Rendering, a: Args): number {
  if (a.check)
    throw new EnvplaneError('usage', '--check compares a file on disk', { hint: 'name the file with -o <path>' });
  const secret = rendering.files.some((f) => f.secret);
  if (secret && !a.reveal)
    throw new EnvplaneError('usage', `this output carries secret values and is not ${SECRET_STDOUT[streamKind(1)]}`, {
      hint: 'write it with -o <file> (mode 0600), or pass --reveal to write it to standard output',
    });
  if (a.json)
    process.stdout.write(
      `${JSON.stringify({ files: rendering.files.map((f) => ({ path: f.path, contents: f.contents })), warnings: rendering.warnings }, null, 2)}\n`,
    );
  else for (const file of rendering.files) process.stdout.write(file.contents);
  return 0;
}

function report(results: EmitResult[], rendering: Rendering, a: Args): number {
  const drifted = results.filter((r) => r.status === 'drifted' || r.status === 'missing');
  if (a.json) {
    process.stdout.write(
      `${JSON.stringify({ check: a.check === true, files: results, warnings: rendering.warnings }, null, 2)}\n`,
    );
  } else
    for (const r of results) {
      if (r.status === 'written') process.stdout.write(`${style.green('wrote')} ${r.path}\n`);
      else if (r.status === 'unchanged') process.stdout.write(`${style.dim('unchanged')} ${r.path}\n`);
      else {
        const what = r.status === 'missing' ? 'is missing' : 'drifted from what envplane renders';
        process.stdout.write(`${style.red('drift')}: ${r.path} ${what}\n${r.diff ?? ''}`);
      }
    }
  if (drifted.length > 0 && !a.json)
    process.stderr.write(
      `hint: run the same command without --check to rewrite ${drifted.map((r) => r.path).join(', ')}\n`,
    );
  return drifted.length > 0 ? 1 : 0;
}

/** Compose appends `env_file:` lists across -f files: an override cannot take away keys a base file hands out. */
function warnBaseEnvFiles(root: string, bundles: Bundle[]): void {
  const slugs = new Set(bundles.map((b) => b.instance.slug));
  for (const name of ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml']) {
    if (!existsSync(join(root, name))) continue;
    let services: ComposeModel['services'] = {};
    try {
      // Read as every compose file is (the one YAML reader: alias budget, no duplicate keys).
      services = readComposeFiles(root, [name]).services;
    } catch {
      continue; // Not ours to report: Compose will.
    }
    for (const [service, body] of Object.entries(services)) {
      const tenants = bundles.filter((b) => b.instance.service === service && b.instance.tenant !== undefined);
      if (tenants.length > 0)
        process.stderr.write(
          `${styleErr.yellow('warning')}: ${name}: service ${service} runs once per tenant; envplane renders ${tenants.map((b) => b.instance.slug).join(', ')} — remove ${service} from ${name}, or it runs with no tenant\n`,
        );
      if (slugs.has(service) && body.envFiles.length > 0)
        process.stderr.write(
          `${styleErr.yellow('warning')}: ${name}: service ${service} has env_file:, and Compose adds every key of those files even with the override; remove env_file from ${name} so ${service} receives exactly its declared keys\n`,
        );
    }
  }
}
