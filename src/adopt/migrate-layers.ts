/**
 * `envplane migrate --env <env>` with no file: every secret that still lives in a config layer (the second seed's
 * `.env.backend`, `.env.etl.<tenant>`, `.env.shared`) moves into the environment's files store, and the layer file is
 * rewritten without it (comments and other lines kept). The value written is the one each instance resolves today,
 * so every instance receives the same secret values after the move; values that disagree are refused, not guessed.
 * The old text is kept as `<file>.bak` (0600, ignored by git) unless `--remove-old`. Pure: files are read via `read`.
 */
import { parseDotenvEntries } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import type { Environment, Manifest } from '../manifest/types.ts';
import { bundleSecretValues } from './_layer-secrets.ts';
import { ignoreStep } from './_migrate-gitignore.ts';
import { removeKeys } from './_dotenv-lines.ts';
import {
  backupPath,
  type MigrationPlan,
  type Move,
  orderSteps,
  type Step,
  secretFileContents,
  secretPlaceholder,
  storedValue,
} from './migration.ts';
import type { LayerSet } from '../resolve/bundle.ts';

export interface LayerMigrationInput {
  manifest: Manifest;
  environment: Environment;
  /** Every layer file of the project, parsed without an outside environment (as `loadProject` returns them). */
  layers: LayerSet;
  removeOld: boolean;
  read: (path: string) => string | undefined;
}

export function planLayerMigration(input: LayerMigrationInput): MigrationPlan {
  const { manifest, environment } = input;
  if (environment.secrets.kind !== 'files')
    throw new EnvplaneError('usage', `environment "${environment.name}" keeps its secrets in an external store`, {
      hint: 'migrate a development environment (files store); create external secrets with `docker secret create NAME -`',
    });
  const warnings: string[] = [];
  const moves: Move[] = [];
  const steps: Step[] = [];
  const found = bundleSecretValues(manifest, input.layers, environment, warnings);

  const strip = new Map<string, Set<string>>();
  const secretDirs = new Set<string>();
  for (const dest of found.destinations) {
    const stored = storedValue(input.read(dest.path));
    if (stored !== undefined && stored !== dest.value)
      throw new EnvplaneError('input', `${dest.name} has another value in ${dest.path} than in ${dest.from[0]!.file}`, {
        location: { file: dest.from[0]!.file, line: dest.from[0]!.line },
        hint: `keep one of the two values (delete ${dest.path} or the line), then run migrate again; nothing was written`,
      });
    if (stored === undefined)
      steps.push({
        op: 'write',
        kind: 'secret',
        path: dest.path,
        contents: secretFileContents(dest.value),
        mode: 0o600,
      });
    if (input.read(`${dest.path}.example`) === undefined)
      steps.push({
        op: 'write',
        kind: 'example',
        path: `${dest.path}.example`,
        contents: secretPlaceholder(dest.name),
        mode: 0o644,
      });
    secretDirs.add(dest.path.slice(0, dest.path.lastIndexOf('/')));
    for (const from of dest.from) {
      const keys = strip.get(from.file) ?? new Set<string>();
      strip.set(from.file, keys.add(from.key));
      moves.push({
        key: from.key,
        from: { file: from.file, line: from.line },
        plane: 'secret',
        name: dest.name,
        to: dest.path,
        ...(dest.tenant !== undefined ? { tenant: dest.tenant } : {}),
        status: stored === undefined ? 'moved' : 'already there',
        reason: `declared as secret in ${manifest.file}, but set in a config layer`,
      });
    }
  }
  for (const kept of found.kept) moves.push(kept);

  const backups: string[] = [];
  for (const [file, keys] of strip) {
    const text = input.read(file);
    if (text === undefined) continue;
    const entries = parseDotenvEntries(text, { lookup: {}, file });
    const rewritten = removeKeys(text, entries, keys);
    if (rewritten === text) continue;
    if (!input.removeOld) {
      const bak = backupPath(file, text, input.read);
      backups.push(bak);
      if (input.read(bak) !== text) steps.push({ op: 'write', kind: 'backup', path: bak, contents: text, mode: 0o600 });
    }
    steps.push({ op: 'write', kind: 'layer', path: file, contents: rewritten });
    for (const example of exampleFiles(manifest, file)) {
      if (steps.some((s) => s.path === example)) continue;
      const exampleText = input.read(example);
      if (exampleText === undefined) continue;
      const out = removeKeys(exampleText, parseDotenvEntries(exampleText, { lookup: {}, file: example }), keys);
      if (out !== exampleText) steps.push({ op: 'write', kind: 'layer', path: example, contents: out });
    }
  }
  const ignore = ignoreStep(input.read('.gitignore'), [environment.secrets.dir], [...secretDirs], backups);
  if (ignore) steps.push(ignore);
  return { environment: environment.name, moves, manifestEdits: [], steps: orderSteps(steps), warnings };
}

/** The committed templates of a layer: `.env.backend.example`, and `.env.etl.example` for `.env.etl.{tenant}`. */
function exampleFiles(manifest: Manifest, file: string): string[] {
  const out = new Set([`${file}.example`]);
  for (const service of Object.values(manifest.services))
    for (const template of service.config) {
      if (!template.includes('{tenant}')) continue;
      const pattern = new RegExp(`^${escapeRegExp(template).replace('\\{tenant\\}', '[^/]+')}$`);
      if (pattern.test(file)) out.add(`${template.replace(/[.\-_]?\{tenant\}/, '')}.example`);
    }
  return [...out];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
