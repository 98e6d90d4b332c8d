/**
 * Everything `check` needs, gathered from disk, git and the secret store into plain data (`CheckInput`). Secret
 * values are read in `_secret-facts.ts` and reduced on the spot to lengths, SHA-256 digests and booleans (placeholder?
 * equal to the .example?); layer values here to the same; the tree (Dockerfiles, Compose files, backups) is walked in
 * `_tree-facts.ts`. No value leaves these files.
 */
import { resolveBundle } from '../resolve/bundle.ts';
import { findEnvironment, findService, listInstances } from '../resolve/instances.ts';
import type { Bundle } from '../resolve/types.ts';
import { isPlaceholder, looksLikeSecretValue } from '../rules/_value-shape.ts';
import { join } from 'node:path';
import type { ComposeModel } from '../adopt/compose-model.ts';
import { type DotenvEntry, parseDotenvEntries } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import type { BundleFact, CheckInput, LayerEntryFact, LayerFacts } from '../rules/types.ts';
import { layerTemplates } from './_layer-templates.ts';
import { loadProject, type Project } from './load.ts';
import { secretDirs, secretFacts, sha256, templates } from './_secret-facts.ts';
import { composeModels, dockerfiles, layerBackups } from './_tree-facts.ts';

export interface FactOptions {
  dir?: string;
  /** Limit to one environment (name or alias). */
  environment?: string;
  /** Limit to one service (all its tenants). */
  service?: string;
  /** "Now", for secret ages (tests pass a fixed time). */
  now?: Date;
}

export function gatherFacts(options: FactOptions = {}): { root: string; input: CheckInput } {
  // Every environment's layers, even with --env: secret-reused compares the selected environment with the others.
  const project = loadProject({ ...(options.dir ? { dir: options.dir } : {}), requireLayers: false });
  const { manifest, root } = project;
  const environments = options.environment ? [findEnvironment(manifest, options.environment)] : manifest.environments;
  const instances = listInstances(manifest).filter(
    (i) => options.service === undefined || i.service === findService(manifest, options.service).name,
  );
  const bundles = environments.flatMap((e) => instances.map((i) => resolveBundle(manifest, project.layers, e, i)));
  // The same instances in the environments out of scope, for the rules that compare values across environments.
  const others = manifest.environments
    .filter((e) => !environments.includes(e))
    .flatMap((e) => instances.map((i) => resolveBundle(manifest, project.layers, e, i)));
  const bundleFacts = bundles.map(bundleFact);
  const compose = composeModels(root);
  const input: CheckInput = {
    manifest,
    environments,
    instances,
    bundles: bundleFacts,
    peers: others.length === 0 ? bundleFacts : [...bundleFacts, ...others.map(bundleFact)],
    layers: layerFacts(project),
    layerTemplates: layerTemplates(root, manifest, bundleFacts),
    secrets: secretFacts(project, [...bundles, ...others], options.now ?? new Date()),
    secretDirs: secretDirs(root, environments, bundles),
    templates: templates(root, environments),
    dockerfiles: dockerfiles(root),
    compose,
    envFiles: envFileFacts(project, compose),
    layerBackups: layerBackups(root, Object.keys(project.layers)),
  };
  return { root, input };
}

function bundleFact(b: Bundle): BundleFact {
  return {
    environment: b.environment,
    instance: b.instance,
    layers: b.layers,
    config: b.config.map((c) => ({ key: c.key, plane: c.plane, set: (c.value ?? '') !== '', source: c.source })),
    secrets: b.secrets,
    build: b.build,
  };
}

function layerFacts(project: Project): LayerFacts {
  const out: Record<string, LayerFacts[string]> = {};
  for (const [file, entries] of Object.entries(project.layers)) out[file] = entries && entryFacts(project, entries);
  return out;
}

/** The env files the compose files list that are not layers, read as Compose reads them; unreadable ones left out. */
function envFileFacts(project: Project, compose: ComposeModel[]): LayerFacts {
  const out: Record<string, LayerFacts[string]> = {};
  const paths = new Set(
    compose.flatMap((m) => Object.values(m.services).flatMap((s) => s.envFiles.map((e) => e.path))),
  );
  for (const path of paths) {
    if (Object.hasOwn(project.layers, path) || path.includes('$')) continue;
    try {
      const text = readTextIfExists(join(project.root, path), path, { noFollow: true });
      if (text !== undefined) out[path] = entryFacts(project, parseDotenvEntries(text, { lookup: {}, file: path }));
    } catch (error) {
      if (!(error instanceof EnvplaneError)) throw error;
    }
  }
  return out;
}

function entryFacts(project: Project, entries: readonly DotenvEntry[]): LayerEntryFact[] {
  return entries.map((e) => ({
    key: e.key,
    line: e.line,
    column: e.column,
    length: e.value.length,
    digest: sha256(e.value),
    looksSecret: looksLikeSecretValue(e.value),
    placeholder: isPlaceholder(e.value, project.manifest.project, e.key),
  }));
}
