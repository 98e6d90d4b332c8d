/**
 * `setup` as data: from the project and facts about the disk to a list of actions, each a file to create, and notes
 * for everything left to the user. Pure; `apply.ts` carries it out. Nothing that exists is ever overwritten: an
 * existing secret file is left alone (at most its mode is narrowed), a symbolic link stops the whole plan.
 */
import { dirname } from 'node:path/posix';
import { EnvplaneError } from '../errors.ts';
import type { Environment, GenerateRule, Manifest } from '../manifest/types.ts';
import type { LayerSet } from '../resolve/bundle.ts';
import { ancestors, checkStorePath, EXAMPLE_SUFFIX } from '../stores/_paths.ts';

export { EXAMPLE_SUFFIX };
import { completeGitignore, wantedIgnoreLines } from './gitignore.ts';
import { type SecretNeed, secretNeeds } from '../stores/needs.ts';
import { shellLine } from '../shell.ts';

export const PLACEHOLDER_PREFIX = 'replace with ';

export interface PathFact {
  kind: 'missing' | 'file' | 'link' | 'dir' | 'other';
  /** Permission bits (files and folders). */
  mode?: number;
  size?: number;
  /** Text of `.example` files and `.gitignore` (never read for secret files). */
  text?: string;
}

/** What the disk holds at each path the plan asks about (`inspectPaths`). */
export type SetupFacts = Record<string, PathFact>;

type Named = { environment: string; secret: string; tenant?: string; path: string };

export type SetupAction =
  | ({ kind: 'generate'; rule: GenerateRule } & Named)
  | ({ kind: 'copy'; from: string } & Named)
  | { kind: 'template'; path: string; text: string }
  | { kind: 'gitkeep'; path: string }
  | { kind: 'gitignore'; path: string; text: string; added: string[]; mode: number }
  | { kind: 'tighten'; path: string; mode: number; was: number };

export type SetupNote =
  | ({ kind: 'exists' } & Named)
  | ({ kind: 'needed'; why: 'no-value' | 'empty' | 'placeholder'; hint: string; required: boolean } & Named)
  | { kind: 'layer'; environment: string; secret: string; tenant?: string; file: string; line: number }
  | { kind: 'external'; environment: string; secret: string; tenant?: string; name: string };

export interface SetupPlan {
  environments: string[];
  actions: SetupAction[];
  notes: SetupNote[];
  /** Folders whose stray temp files the apply step removes. */
  dirs: string[];
}

export interface SetupInput {
  manifest: Manifest;
  layers: LayerSet;
  environments: Environment[];
}

/** Every path whose facts `planSetup` reads. */
export function inspectPaths(input: SetupInput): string[] {
  const paths = new Set<string>(['.gitignore']);
  for (const environment of input.environments) {
    const store = environment.secrets;
    if (store.kind !== 'files') continue;
    for (const d of [...ancestors(store.dir), store.dir]) paths.add(d);
    paths.add(`${store.dir}/.gitkeep`);
    for (const need of secretNeeds(input.manifest, input.layers, environment)) {
      if (need.location.kind !== 'file') continue;
      checkStorePath(store.dir, need.location.path);
      for (const d of ancestors(need.location.path)) paths.add(d);
      paths.add(need.location.path);
      paths.add(need.location.path + EXAMPLE_SUFFIX);
    }
  }
  return [...paths];
}

export function planSetup(input: SetupInput, facts: SetupFacts): SetupPlan {
  const plan: SetupPlan = { environments: input.environments.map((e) => e.name), actions: [], notes: [], dirs: [] };
  const fact = (path: string): PathFact => facts[path] ?? { kind: 'missing' };
  const storeDirs: string[] = [];
  const secretDirs: string[] = [];
  const planned = new Set<string>();
  const once = (path: string) => {
    if (planned.has(path)) return false;
    planned.add(path);
    return true;
  };

  for (const environment of input.environments) {
    const store = environment.secrets;
    for (const need of secretNeeds(input.manifest, input.layers, environment)) {
      const base = { environment: environment.name, secret: need.key.name, ...tenantOf(need) };
      if (need.location.kind === 'layer') {
        plan.notes.push({ kind: 'layer', ...base, file: need.location.file, line: need.location.line });
        continue;
      }
      if (need.location.kind === 'external') {
        plan.notes.push({ kind: 'external', ...base, name: need.location.name });
        continue;
      }
      if (store.kind !== 'files' || need.location.kind !== 'file') continue;
      const path = need.location.path;
      for (const p of [...ancestors(path), path, path + EXAMPLE_SUFFIX]) refuseLink(p, fact(p));
      for (const p of [path, path + EXAMPLE_SUFFIX]) expectFile(p, fact(p));
      if (!once(path)) continue;
      const dir = dirname(path);
      if (!secretDirs.includes(dir)) secretDirs.push(dir);
      planSecret(plan, need, { ...base, path }, fact);
      planTemplate(plan, need, path, fact(path + EXAMPLE_SUFFIX));
    }
    if (store.kind === 'files' && !storeDirs.includes(store.dir)) {
      storeDirs.push(store.dir);
      const gitkeep = `${store.dir}/.gitkeep`;
      for (const p of [...ancestors(store.dir), store.dir, gitkeep]) refuseLink(p, fact(p));
      expectFile(gitkeep, fact(gitkeep));
      if (fact(gitkeep).kind === 'missing') plan.actions.push({ kind: 'gitkeep', path: gitkeep });
    }
  }
  for (const dir of [...storeDirs, ...secretDirs.filter((d) => !storeDirs.includes(d))]) {
    const f = fact(dir);
    refuseLink(dir, f);
    if (f.kind === 'dir' && f.mode !== undefined && (f.mode & 0o077) !== 0)
      plan.actions.push({ kind: 'tighten', path: dir, mode: f.mode & 0o700, was: f.mode });
    plan.dirs.push(dir);
  }
  if (storeDirs.length > 0) plan.dirs.push('.', '.envplane');
  if (storeDirs.length > 0) planGitignore(plan, input, storeDirs, secretDirs, fact('.gitignore'));
  return plan;
}

function planSecret(plan: SetupPlan, need: SecretNeed, named: Named, fact: (path: string) => PathFact): void {
  const current = fact(named.path);
  if (current.kind === 'file' && (current.size ?? 0) > 0) {
    plan.notes.push({ kind: 'exists', ...named });
    if (current.mode !== undefined && (current.mode & 0o177) !== 0)
      plan.actions.push({ kind: 'tighten', path: named.path, mode: current.mode & 0o600, was: current.mode });
    return;
  }
  if (current.kind !== 'missing') {
    const hint = `write the value into ${named.path} (envplane never overwrites an existing file)`;
    plan.notes.push({ kind: 'needed', why: 'empty', hint, required: need.key.required, ...named });
    return;
  }
  if (need.key.generate) {
    plan.actions.push({ kind: 'generate', rule: need.key.generate, ...named });
    return;
  }
  const example = fact(named.path + EXAMPLE_SUFFIX);
  if (example.kind === 'file' && !isPlaceholder(example.text ?? '')) {
    plan.actions.push({ kind: 'copy', from: named.path + EXAMPLE_SUFFIX, ...named });
    const hint = `replace the example text in ${named.path} with the real value`;
    plan.notes.push({ kind: 'needed', why: 'placeholder', hint, required: need.key.required, ...named });
    return;
  }
  const what = need.key.description ?? need.key.name;
  const rotate = shellLine([
    'envplane',
    'rotate',
    need.key.name,
    '--env',
    named.environment,
    ...(named.tenant ? ['--tenant', named.tenant] : []),
    '--from-stdin',
  ]);
  const hint = `write ${what}${named.tenant ? ` for ${named.tenant}` : ''} into ${named.path}, or \`${rotate}\``;
  plan.notes.push({ kind: 'needed', why: 'no-value', hint, required: need.key.required, ...named });
}

/** The committed template beside each secret file: a placeholder, never a value. */
function planTemplate(plan: SetupPlan, need: SecretNeed, path: string, example: PathFact): void {
  if (example.kind !== 'missing') return;
  const what = need.key.description ?? need.key.name;
  const made = need.key.generate ? ' (envplane setup generates it)' : '';
  const text = `${PLACEHOLDER_PREFIX}${what}${need.tenant ? ` for tenant ${need.tenant}` : ''}${made}\n`;
  plan.actions.push({ kind: 'template', path: path + EXAMPLE_SUFFIX, text });
}

function planGitignore(
  plan: SetupPlan,
  input: SetupInput,
  storeDirs: string[],
  secretDirs: string[],
  gitignore: PathFact,
): void {
  refuseLink('.gitignore', gitignore);
  expectFile('.gitignore', gitignore);
  // `.env` is what `export` writes and Compose reads; a project that keeps config in a file called `.env` decides itself.
  const dotEnvIsLayer = Object.keys(input.layers).some((p) => p === '.env' || p.endsWith('/.env'));
  const wanted = wantedIgnoreLines(storeDirs, secretDirs, !dotEnvIsLayer);
  const next = completeGitignore(gitignore.text, wanted);
  // Committed and read by everyone's git: the usual 0644 for a new one; an existing one keeps its mode.
  if (next) plan.actions.push({ kind: 'gitignore', path: '.gitignore', ...next, mode: gitignore.mode ?? 0o644 });
}

/** An envplane-made template: copying it would turn "replace with …" into a value that looks real. */
export function isPlaceholder(text: string): boolean {
  return text.startsWith(PLACEHOLDER_PREFIX);
}

function refuseLink(path: string, fact: PathFact): void {
  if (fact.kind === 'link')
    throw new EnvplaneError('input', `refusing to write through the symbolic link ${path}`, {
      location: { file: path },
      hint: 'secret files and their folders must be real files inside the project; replace the link',
    });
}

function expectFile(path: string, fact: PathFact): void {
  if (fact.kind === 'dir' || fact.kind === 'other')
    throw new EnvplaneError('input', `${path} is not a regular file`, {
      location: { file: path },
      hint: 'move it away; envplane writes a file here',
    });
}

function tenantOf(need: SecretNeed): { tenant?: string } {
  return need.tenant === undefined ? {} : { tenant: need.tenant };
}
