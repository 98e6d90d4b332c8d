/**
 * `render buildkit`: for each service with build secrets, what to paste and run — the Dockerfile syntax line, the
 * `RUN --mount=type=secret` line per secret, and the `docker build --secret` arguments (`src=` a file of a files
 * store, or `env=` a variable the CI secret store sets). A secret never becomes a build ARG or ENV. Pure.
 */
import type { Environment, Manifest } from '../manifest/types.ts';
import type { Bundle, BuildSecretRef } from '../resolve/types.ts';
import { fillTemplate } from './_compose.ts';
import { generatedHeader, type Rendering } from './types.ts';
import { shellWord } from '../shell.ts';

/** The minimum frontend for `RUN --mount=type=secret` (the `env=` mount option needs 1.10). */
export const DOCKERFILE_SYNTAX = '# syntax=docker/dockerfile:1.7';

export interface BuildPlan {
  service: string;
  context: string;
  image: string;
  syntax: string;
  /** `RUN --mount=…` prefixes, one per secret. */
  mounts: string[];
  /** `docker build` arguments, without the value ever: a path or a variable name. */
  args: string[];
  /** Variables the caller must set (external stores). */
  variables: string[];
}

export interface BuildkitOptions {
  manifest: Manifest;
  environment: Environment;
  bundles: Bundle[];
  image: string;
  context: string;
  command: string;
  path?: string;
}

/** The variable a CI job sets for a build secret: its id upper-cased. */
export function buildVariable(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

export function buildPlans(options: Omit<BuildkitOptions, 'command' | 'path'>): BuildPlan[] {
  const seen = new Set<string>();
  const plans: BuildPlan[] = [];
  for (const bundle of options.bundles) {
    // One image per service: tenant instances share it.
    if (bundle.build.length === 0 || seen.has(bundle.instance.service)) continue;
    seen.add(bundle.instance.service);
    const image = fillTemplate(options.image, options.manifest, bundle);
    const context = fillTemplate(options.context, options.manifest, bundle);
    plans.push({
      service: bundle.instance.service,
      context,
      image,
      syntax: DOCKERFILE_SYNTAX,
      mounts: bundle.build.map(mountOf),
      args: [...bundle.build.flatMap((b) => ['--secret', secretArg(b)]), '-t', image, context],
      variables: bundle.build.filter((b) => b.location.kind !== 'file').map((b) => buildVariable(b.id)),
    });
  }
  return plans;
}

function mountOf(b: BuildSecretRef): string {
  return `RUN --mount=type=secret,id=${b.id}${b.required ? ',required=true' : ',required=false'}`;
}

function secretArg(b: BuildSecretRef): string {
  return b.location.kind === 'file' ? `id=${b.id},src=${b.location.path}` : `id=${b.id},env=${buildVariable(b.id)}`;
}

export function renderBuildkit(options: BuildkitOptions): Rendering {
  const plans = buildPlans(options);
  const lines = generatedHeader(options.command)
    .split('\n')
    .map((l) => `# ${l}`);
  if (plans.length === 0) {
    const services = [...new Set(options.bundles.map((b) => b.instance.service))];
    lines.push('', `# No build secrets in ${options.environment.name} for ${services.join(', ') || 'any service'}.`);
  }
  for (const plan of plans) {
    lines.push('', `# ── ${plan.service} ──`, `# 1. First line of ${plan.context}/Dockerfile:`, plan.syntax);
    lines.push(`# 2. Mount each secret on the RUN step that needs it (it appears at /run/secrets/<id>):`);
    for (const mount of plan.mounts) lines.push(`${mount} <command>`);
    if (plan.variables.length > 0)
      lines.push(`# 3. Build, with ${plan.variables.join(', ')} set from your CI secret store:`);
    else lines.push('# 3. Build (the files are read by BuildKit; the values never reach argv, ARG or ENV):');
    lines.push(`DOCKER_BUILDKIT=1 docker build ${plan.args.map(shellWord).join(' ')}`);
  }
  const path = options.path ?? `buildkit.${options.environment.name}.txt`;
  return { files: [{ path, contents: `${lines.join('\n')}\n` }], warnings: [] };
}
