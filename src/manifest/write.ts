/**
 * Writing a new `envplane.yaml`: a draft as YAML, with the editor schema hint on the first line and the reason for
 * each inferred key as a comment above it. Edits of an existing manifest are in `edit.ts`. Pure: text out.
 */
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  type Scalar,
  stringify,
  type YAMLMap,
} from 'yaml';
import { EnvplaneError } from '../errors.ts';
import { parseManifest } from './parse.ts';
import type { Plane } from './types.ts';

export interface KeyDraft {
  plane: Plane;
  description?: string;
  required?: boolean;
  perTenant?: boolean;
  default?: string;
  fileEnv?: string;
  generate?: string;
  /** Written as a comment above the key (why it got its plane). */
  comment?: string;
}

export interface ServiceDraft {
  uses?: string[];
  build?: string[];
  perTenant?: boolean;
  tenants?: string[];
  public?: boolean;
  config?: string[];
  comment?: string;
}

export type StoreDraft = { store: 'files'; dir?: string } | { store: 'external'; prefix: string };

export interface EnvironmentDraft {
  aliases?: string[];
  config?: string[];
  secrets?: StoreDraft;
}

export interface ManifestDraft {
  project: string;
  environments: Record<string, EnvironmentDraft>;
  tenants?: string[];
  keys: Record<string, KeyDraft>;
  services: Record<string, ServiceDraft>;
}

/**
 * Where a new manifest's schema hint points, relative to the manifest's folder: the copy the package ships, as a
 * dev dependency installs it. Written whether or not it is installed yet, and never an absolute path or one that
 * leaves the project, so the committed line means the same on every machine and in CI.
 */
export const SCHEMA_REF = 'node_modules/envplane/schema/envplane.schema.json';

/** The line editors read to find the JSON Schema (yaml-language-server, VS Code, JetBrains). */
export function schemaHint(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}`;
}

/** A new manifest's text. `header` lines become comments under the schema hint. */
export function renderManifest(draft: ManifestDraft, schemaRef: string, header: string[] = []): string {
  const doc = new Document({});
  const root = doc.contents as YAMLMap;
  root.set('project', draft.project);
  const envs = doc.createNode({}) as YAMLMap;
  for (const [name, env] of Object.entries(draft.environments)) {
    const node = doc.createNode(compact({ aliases: env.aliases, config: env.config, secrets: env.secrets })) as YAMLMap;
    flowChildren(node);
    envs.set(name, node);
  }
  root.set('environments', envs);
  if (draft.tenants && draft.tenants.length > 0) root.set('tenants', flow(doc.createNode(draft.tenants)));
  const keys = doc.createNode({}) as YAMLMap;
  for (const [name, key] of Object.entries(draft.keys)) {
    keys.items.push(keyPair(doc, name, key));
  }
  root.set('keys', keys);
  const services = doc.createNode({}) as YAMLMap;
  for (const [name, service] of Object.entries(draft.services)) {
    const { comment, ...fields } = service;
    const node = doc.createNode(compact(fields)) as YAMLMap;
    flowChildren(node);
    const pair = doc.createPair(name, node) as Pair;
    if (comment) commentBefore(pair, comment);
    services.items.push(pair);
  }
  root.set('services', services);
  const text = doc.toString({ lineWidth: 118, flowCollectionPadding: false });
  const head = [schemaHint(schemaRef), ...header.map((h) => `# ${h}`)].join('\n');
  return `${head}\n${text}`;
}

/** `NAME: config` when the plane is all there is to say, else `NAME: { plane: secret, … }` on one line. */
function keyPair(doc: Document, name: string, key: KeyDraft): Pair {
  const { comment, ...fields } = key;
  const written = compact(fields);
  const node = Object.keys(written).length === 1 ? doc.createNode(key.plane) : flow(doc.createNode(written));
  const pair = doc.createPair(name, node) as Pair;
  if (comment) commentBefore(pair, comment);
  return pair;
}

function commentBefore(pair: Pair, comment: string): void {
  const key = pair.key as Scalar;
  key.commentBefore = comment
    .split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
}

function flow<T>(node: T): T {
  (node as { flow?: boolean }).flow = true;
  return node;
}

/** Short lists and small maps inside an environment or service read best on one line; long lists one per line. */
function flowChildren(map: YAMLMap): void {
  for (const item of map.items)
    if (isMap(item.value) || (isSeq(item.value) && item.value.items.length <= 6)) flow(item.value);
}

/** Drops undefined fields and empty lists so the written manifest says only what it needs to. */
export function compact<T extends object>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}

/** One change to an existing manifest. */
export type ManifestEdit =
  | { kind: 'add-key'; name: string; key: KeyDraft }
  | { kind: 'add-uses'; service: string; names: string[] }
  | { kind: 'add-build'; service: string; names: string[] }
  | { kind: 'add-layer'; environment: string; path: string };

/**
 * Applies edits to manifest text by splicing new text at the positions the yaml Document API reports, so every byte
 * the user wrote (comments, flow lists over several lines, spacing) stays as it was. The result is parsed again: an
 * edit can never leave an invalid manifest behind. Adding what is already there changes nothing.
 */
export function editManifest(text: string, edits: readonly ManifestEdit[], file = 'envplane.yaml'): string {
  parseManifest(text, file); // a broken manifest is reported where it is broken, before any edit
  let out = addKeys(
    text,
    edits.flatMap((e) => (e.kind === 'add-key' ? [e] : [])),
    file,
  );
  for (const edit of coalesce(edits)) out = applyEdit(out, edit, file);
  parseManifest(out, file);
  return out;
}

/** One edit per list (all names for a service's `uses:` together), so a large migration parses the text a few times. */
function coalesce(edits: readonly ManifestEdit[]): ManifestEdit[] {
  const out = new Map<string, ManifestEdit>();
  for (const edit of edits) {
    if (edit.kind === 'add-key') continue;
    const id =
      edit.kind === 'add-layer' ? `${edit.kind}:${edit.environment}:${edit.path}` : `${edit.kind}:${edit.service}`;
    const seen = out.get(id);
    if (seen && 'names' in seen && 'names' in edit) seen.names = [...seen.names, ...edit.names];
    else out.set(id, 'names' in edit ? { ...edit, names: [...edit.names] } : edit);
  }
  return [...out.values()];
}

/** Adds every key not yet declared, in one insertion at the end of `keys:`. */
function addKeys(text: string, edits: readonly Extract<ManifestEdit, { kind: 'add-key' }>[], file: string): string {
  if (edits.length === 0) return text;
  const root = parseDocument(text).contents;
  if (!isMap(root)) throw new EnvplaneError('input', 'the manifest is not a mapping', { location: { file, line: 1 } });
  const keys = root.get('keys', true);
  const seen = new Set<string>();
  const entries: Entry[] = [];
  for (const e of edits) {
    if ((isMap(keys) && keys.has(e.name)) || seen.has(e.name)) continue;
    seen.add(e.name);
    entries.push([e.name, keyText(e.key), e.key.comment]);
  }
  if (entries.length === 0) return text;
  if (isMap(keys)) return insertIntoMap(text, keys, entries);
  const lines = ['keys:', ...entries.flatMap(([n, v, c]) => [...(c ? [`  # ${c}`] : []), `  ${plainScalar(n)}: ${v}`])];
  if (keys === undefined) return `${text.endsWith('\n') || text === '' ? text : `${text}\n`}${lines.join('\n')}\n`;
  return replaceValueOf(text, root, 'keys', lines);
}

function applyEdit(text: string, edit: ManifestEdit, file: string): string {
  const root = parseDocument(text).contents;
  if (!isMap(root)) throw new EnvplaneError('input', 'the manifest is not a mapping', { location: { file, line: 1 } });
  switch (edit.kind) {
    case 'add-key':
      return addKeys(text, [edit], file);
    case 'add-uses':
    case 'add-build':
      return addToList(
        text,
        root,
        ['services', edit.service],
        edit.kind === 'add-uses' ? 'uses' : 'build',
        edit.names,
        file,
      );
    case 'add-layer':
      return addToList(text, root, ['environments', edit.environment], 'config', [edit.path], file);
  }
}

type Entry = [name: string, value: string, comment?: string];

/** Appends the names missing from the list `at.field` (flow or block), creating the list when absent. */
function addToList(text: string, root: YAMLMap, at: string[], field: string, names: string[], file: string): string {
  let node: unknown = root;
  for (const segment of at) node = isMap(node) ? node.get(segment, true) : undefined;
  if (!isMap(node))
    throw new EnvplaneError('input', `${at.join('.')} is missing in ${file}`, {
      location: { file },
      hint: `declare it first, e.g. \`${at[at.length - 1]}: {}\``,
    });
  const list = node.get(field, true);
  const present = new Set(isSeq(list) ? list.items.map((i) => String(isScalar(i) ? i.value : i)) : []);
  const missing = names.filter((n) => !present.has(n));
  if (missing.length === 0) return text;
  const flowList = `[${missing.map(plainScalar).join(', ')}]`;
  if (list === undefined) return insertIntoMap(text, node, [[field, flowList]]);
  if (isScalar(list) && list.value === null) return splice(text, list.range![0], list.range![1], flowList);
  if (!isSeq(list)) throw new EnvplaneError('input', `${at.join('.')}.${field} is not a list`, { location: { file } });
  const last = list.items[list.items.length - 1] as Node | undefined;
  if (list.flow) {
    if (!last) return splice(text, list.range![0], list.range![1], flowList);
    return splice(text, last.range![1], last.range![1], missing.map((n) => `, ${plainScalar(n)}`).join(''));
  }
  const anchor = last ?? list;
  const indent = dashIndent(text, anchor.range![0]);
  const end = lineEnd(text, anchor.range![1]);
  return splice(text, end, end, missing.map((n) => `\n${indent}- ${plainScalar(n)}`).join(''));
}

/** Inserts a pair after the last pair of a block mapping, or at the end of a flow mapping. */
function insertIntoMap(text: string, map: YAMLMap, entries: readonly Entry[]): string {
  const pairs = map.items;
  const last = pairs[pairs.length - 1];
  const lastEnd = last ? ((last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1]) : undefined;
  const flowPairs = entries.map(([name, value]) => `${plainScalar(name)}: ${value}`).join(', ');
  if (map.flow) {
    if (lastEnd === undefined) return splice(text, map.range![0], map.range![1], `{ ${flowPairs} }`);
    return splice(text, lastEnd, lastEnd, `, ${flowPairs}`);
  }
  const first = pairs[0]?.key as Node | undefined;
  const indent = ' '.repeat(first ? column(text, first.range![0]) : 2);
  const end = lineEnd(text, lastEnd ?? map.range![0]);
  const lines = entries.flatMap(([name, value, comment]) => [
    ...(comment ? [`${indent}# ${comment}`] : []),
    `${indent}${plainScalar(name)}: ${value}`,
  ]);
  return splice(text, end, end, lines.map((l) => `\n${l}`).join(''));
}

/** Replaces an empty `field:` of the root with a block. */
function replaceValueOf(text: string, root: YAMLMap, field: string, lines: string[]): string {
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === field)!;
  const start = (pair.key as Node).range![0];
  const end = lineEnd(text, (pair.value as Node | null)?.range?.[1] ?? (pair.key as Node).range![1]);
  return splice(text, start, end, lines.join('\n'));
}

/** The end of the line that holds the last character before `offset` (before its newline). */
function lineEnd(text: string, offset: number): number {
  let at = Math.max(0, offset);
  while (at > 0 && /[\n\r \t]/.test(text[at - 1]!)) at--;
  const newline = text.indexOf('\n', at);
  const end = newline === -1 ? text.length : newline;
  return text[end - 1] === '\r' ? end - 1 : end;
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The indentation of the `- ` that starts the sequence item at `offset`. */
function dashIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const dash = text.indexOf('-', lineStart);
  return ' '.repeat(Math.max(0, (dash === -1 || dash > offset ? offset : dash) - lineStart));
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

/** A scalar as YAML writes it: quoted only when it must be (`"{tenant}"`, `"yes"`). */
function plainScalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function keyText(key: KeyDraft): string {
  const { comment: _comment, ...fields } = key;
  const written = compact(fields);
  if (Object.keys(written).length === 1) return key.plane;
  const doc = new Document(written);
  (doc.contents as YAMLMap).flow = true;
  return doc.toString({ flowCollectionPadding: true }).trimEnd();
}
