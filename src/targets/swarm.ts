/**
 * `render swarm`: a stack file for `docker stack deploy`. Swarm reads the v3 schema: no `environment:` secrets, no
 * long `env_file:` syntax, no `.env` — so config is inlined per instance (as for Compose), secrets are `file:`
 * (the stack creates `<stack>_<key>`) or `external: true` with the store's name, created by `envplane push`. Pure.
 */
import type { Environment, Manifest } from '../manifest/types.ts';
import type { Bundle } from '../resolve/types.ts';
import {
  type ComposeContext,
  defineSecret,
  deliveredLocation,
  escapeInterpolation,
  fillTemplate,
  secretSource,
  serviceEnvironment,
  serviceSecrets,
} from './_compose.ts';
import { toYaml, type YamlValue, yamlComment } from './_yaml.ts';
import { generatedHeader, type Rendering } from './types.ts';

export interface SwarmOptions {
  manifest: Manifest;
  environment: Environment;
  bundles: Bundle[];
  path?: string;
  image: string;
  command: string;
}

/** 3.8: external secrets with `name:` need 3.5, long secret syntax 3.1. */
export const STACK_VERSION = '3.8';

export function defaultSwarmPath(environment: Environment): string {
  return `stack.${environment.name}.yml`;
}

export function renderSwarm(options: SwarmOptions): Rendering {
  const path = options.path ?? defaultSwarmPath(options.environment);
  const slash = path.lastIndexOf('/');
  const ctx: ComposeContext = { ...options, dir: slash === -1 ? '' : path.slice(0, slash), warnings: [] };
  const services: Record<string, YamlValue> = {};
  const secrets: Record<string, Record<string, YamlValue>> = {};
  for (const bundle of options.bundles) {
    const environment = serviceEnvironment(ctx, bundle);
    services[bundle.instance.slug] = {
      image: fillTemplate(options.image, options.manifest, bundle),
      environment: Object.keys(environment).length > 0 ? environment : undefined,
      secrets: bundle.secrets.length > 0 ? serviceSecrets(bundle) : undefined,
    };
    for (const ref of bundle.secrets)
      defineSecret(ctx, secrets, secretSource(ref), deliveredLocation(ctx, bundle, ref));
    if (bundle.build.length > 0)
      ctx.warnings.push(`${bundle.instance.id}: Swarm does not build images; build secrets are wired by \`render ci\``);
  }
  const document = escapeInterpolation({
    version: STACK_VERSION,
    services,
    secrets: Object.keys(secrets).length > 0 ? secrets : undefined,
  });
  return {
    files: [{ path, contents: yamlComment(generatedHeader(options.command)) + toYaml(document) }],
    warnings: ctx.warnings,
  };
}
