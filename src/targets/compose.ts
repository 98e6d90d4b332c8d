/**
 * `render compose`: a Compose file that gives each instance exactly its bundle. `override` adds envplane's wiring
 * to the project's own compose file (`docker compose -f docker-compose.yml -f compose.envplane.yml`); `standalone`
 * is a complete file with an image per service. Config is inlined in `environment:` (never `env_file:`), secrets are
 * granted per instance, per-tenant instances are services of their own (`etl-wex`). Pure.
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

export type ComposeMode = 'override' | 'standalone';

export interface ComposeOptions {
  manifest: Manifest;
  environment: Environment;
  bundles: Bundle[];
  mode: ComposeMode;
  /** Output path relative to the project root (default: `defaultComposePath`). */
  path?: string;
  /** Image of each service; `{project}`, `{service}`, `{tenant}`, `{instance}`, `{env}` are filled in. */
  image: string;
  /** Build context of services with build secrets (standalone mode). */
  context: string;
  /** Add `build:` with `build.secrets` (standalone): Compose v2 reads it, docker-compose v1 rejects it. */
  build: boolean;
  /** The command line that renders this file, for the header. */
  command: string;
}

export const DEFAULT_IMAGE = '{project}/{service}:latest';
export const DEFAULT_CONTEXT = './services/{service}';

export function defaultComposePath(mode: ComposeMode, environment: Environment): string {
  return mode === 'override' ? 'compose.envplane.yml' : `compose.${environment.name}.yml`;
}

export function renderCompose(options: ComposeOptions): Rendering {
  const path = options.path ?? defaultComposePath(options.mode, options.environment);
  // Compose resolves `file:` against the project directory: the first -f file's folder. A standalone file is that
  // first file; an override follows a base file that sits in the project root.
  const dir = options.mode === 'override' ? '' : dirOf(path);
  const ctx: ComposeContext = { ...options, dir, warnings: [] };
  const services: Record<string, YamlValue> = {};
  const secrets: Record<string, Record<string, YamlValue>> = {};
  for (const bundle of options.bundles) {
    const standalone = options.mode === 'standalone';
    // An override cannot add a service without an image; tenant instances never exist in a hand-written base.
    const needsImage = standalone || bundle.instance.tenant !== undefined;
    services[bundle.instance.slug] = {
      image: needsImage ? fillTemplate(options.image, options.manifest, bundle) : undefined,
      build: standalone && options.build ? buildSection(ctx, bundle, secrets, options.context) : undefined,
      environment: nonEmpty(serviceEnvironment(ctx, bundle)),
      secrets: bundle.secrets.length > 0 ? serviceSecrets(bundle) : undefined,
    };
    for (const ref of bundle.secrets)
      defineSecret(ctx, secrets, secretSource(ref), deliveredLocation(ctx, bundle, ref));
  }
  const document = escapeInterpolation({
    services,
    secrets: Object.keys(secrets).length > 0 ? secrets : undefined,
  });
  const contents = yamlComment(generatedHeader(options.command)) + toYaml(document);
  return { files: [{ path, contents }], warnings: ctx.warnings };
}

/** `build.secrets` for BuildKit secrets kept in files; an external store's build secrets belong to CI. */
function buildSection(
  ctx: ComposeContext,
  bundle: Bundle,
  secrets: Record<string, Record<string, YamlValue>>,
  context: string,
): YamlValue {
  if (bundle.build.length === 0) return undefined;
  const ids: string[] = [];
  for (const b of bundle.build) {
    if (b.location.kind !== 'file') {
      ctx.warnings.push(
        `build secret ${b.id} of ${bundle.instance.id} lives in an external store; build the image in CI (\`envplane render ci github\`)`,
      );
      continue;
    }
    defineSecret(ctx, secrets, b.id, b.location);
    ids.push(b.id);
  }
  return ids.length > 0 ? { context: fillTemplate(context, ctx.manifest, bundle), secrets: ids } : undefined;
}

function nonEmpty(map: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(map).length > 0 ? map : undefined;
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}
