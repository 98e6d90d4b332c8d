/**
 * The wiring `envplane compose` adds to the user's own compose files for one run: per instance exactly its declared
 * config (inline `environment:`) and its secrets, each secret under a name that changes when (and only when) its
 * value changes, so `docker compose up` recreates exactly the containers that use it. How a secret's value reaches
 * Compose depends on the detected version (docs/commands/compose.md):
 *
 * - Compose ≥ 2.6: `secrets.<name>.environment: ENVPLANE_SECRET_<name>`; the value lives only in Compose's own process
 *   environment, which envplane sets up. No file anywhere.
 * - older Compose (v1): `secrets.<name>.file:` — the files store's own file, or a file in a private tmpfs folder for a
 *   value that has no file of its own (one still in a config layer).
 *
 * Build secrets (`build.secrets`) are added for Compose ≥ 2.5 only; docker-compose v1 rejects the key. Pure.
 */
import type { Environment, Manifest } from '../manifest/types.ts';
import type { Bundle, SecretRef } from '../resolve/types.ts';
import {
  type ComposeContext,
  escapeInterpolation,
  fillTemplate,
  secretSource,
  serviceEnvironment,
} from './_compose.ts';
import { type ComposeVersion, secretVariable, supports } from './compose-run.ts';
import { toYaml, type YamlValue, yamlComment } from './_yaml.ts';
import { DEFAULT_IMAGE } from './compose.ts';

export interface WiredSecret {
  /** `JIRA_TOKEN_wex`: the store's name of the value. */
  source: string;
  /** The top-level name in the wiring: `<source>_<revision>` (or `source` when there is no revision). */
  name: string;
  /** The variable carrying the value (environment-sourced), or the file (file secrets). */
  variable?: string;
  file?: string;
  ref: SecretRef;
}

export interface WiringOptions {
  manifest: Manifest;
  environment: Environment;
  bundles: Bundle[];
  compose: ComposeVersion;
  /** The revision of a secret's current value (an HMAC under the store's key), by source; none: the plain name. */
  revision: (source: string) => string | undefined;
  /** For file secrets: the path of a value (relative to the project, or absolute for a tmpfs file), by source. */
  fileOf: (source: string, ref: SecretRef) => string;
  /** The build secrets' files, by id (files store only). */
  buildFileOf: (id: string) => string | undefined;
  command: string;
  /** Digest recorded as `x-envplane.digest` (normalized manifest + rendered references; never a value). */
  digest?: string;
}

export interface Wiring {
  text: string;
  secrets: WiredSecret[];
  warnings: string[];
  delivery: 'environment' | 'file';
}

export function renderWiring(options: WiringOptions): Wiring {
  const ctx: ComposeContext = { ...options, dir: '', warnings: [] };
  const delivery = supports(options.compose, 'environmentSecrets') ? 'environment' : 'file';
  const buildSecrets = supports(options.compose, 'buildSecrets');
  const wired = new Map<string, WiredSecret>();
  const services: Record<string, YamlValue> = {};
  const definitions: Record<string, Record<string, YamlValue>> = {};
  for (const bundle of options.bundles) {
    const mounts: YamlValue[] = [];
    for (const ref of bundle.secrets) {
      const source = secretSource(ref);
      let secret = wired.get(source);
      if (!secret) {
        const revision = options.revision(source);
        const name = revision === undefined ? source : `${source}_${revision}`;
        secret =
          delivery === 'environment'
            ? { source, name, variable: secretVariable(name), ref }
            : { source, name, file: options.fileOf(source, ref), ref };
        wired.set(source, secret);
        definitions[name] =
          delivery === 'environment' ? { environment: secret.variable! } : { file: fileRef(secret.file!) };
      }
      mounts.push({ source: secret.name, target: ref.target.replace(/^\/run\/secrets\//, '') });
    }
    const build: string[] = [];
    if (bundle.build.length > 0 && !buildSecrets)
      ctx.warnings.push(
        `${bundle.instance.id}: build secrets need Compose ≥ 2.5 (build.secrets); ${options.compose.argv.join(' ')} ${options.compose.version} does not read them, build with \`envplane render buildkit\``,
      );
    else
      for (const b of bundle.build) {
        const file = options.buildFileOf(b.id);
        if (file === undefined) {
          ctx.warnings.push(`build secret ${b.id} of ${bundle.instance.id} has no file; build the image in CI`);
          continue;
        }
        definitions[b.id] = { file: fileRef(file) };
        build.push(b.id);
      }
    const environment = serviceEnvironment(ctx, bundle);
    services[bundle.instance.slug] = {
      // A tenant's instance is a service of its own, which no hand-written base file defines.
      image: bundle.instance.tenant !== undefined ? fillTemplate(DEFAULT_IMAGE, options.manifest, bundle) : undefined,
      build: build.length > 0 ? { secrets: build } : undefined,
      environment: Object.keys(environment).length > 0 ? environment : undefined,
      secrets: mounts.length > 0 ? mounts : undefined,
    };
  }
  const document = escapeInterpolation({
    services,
    secrets: Object.keys(definitions).length > 0 ? definitions : undefined,
  }) as Record<string, YamlValue>;
  if (options.digest !== undefined)
    document['x-envplane'] = {
      environment: options.environment.name,
      compose: `${options.compose.kind} ${options.compose.version}`,
      digest: options.digest,
    };
  const text = yamlComment(`Generated by ${options.command} for this run only; not a file to keep.`) + toYaml(document);
  return { text, secrets: [...wired.values()], warnings: ctx.warnings, delivery };
}

function fileRef(path: string): string {
  return path.startsWith('/') || path.startsWith('./') || path.startsWith('../') ? path : `./${path}`;
}
