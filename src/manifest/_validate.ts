/**
 * Runs the written schema and turns the first schema issue into one located, human error. Valibot's own messages
 * echo received values; ours name the field and show only short identifiers, never whole values.
 */
import * as v from 'valibot';
import { type ErrorDetail, EnvplaneError } from '../errors.ts';
import { positionOf } from './_yaml.ts';
import { suggest, unknownHint } from './_suggest.ts';
import { ManifestSchema, type WrittenManifest } from './schema.ts';
import type { Position } from './types.ts';

/** Fields each kind of object accepts, for did-you-mean on unknown fields. */
const FIELDS: Record<string, string[]> = {
  root: ['$schema', 'project', 'environments', 'tenants', 'keys', 'services', 'silence'],
  environment: ['aliases', 'config', 'secrets'],
  secrets: ['store', 'dir', 'pattern', 'tenantPattern', 'prefix'],
  key: ['plane', 'description', 'required', 'default', 'perTenant', 'generate', 'fileEnv', 'maxAge'],
  generate: ['kind', 'length', 'charset'],
  service: ['uses', 'build', 'perTenant', 'tenants', 'public', 'config'],
  silence: ['rule', 'reason', 'key', 'service', 'file'],
};

type Issue = v.BaseIssue<unknown>;

export function validateWritten(data: unknown, file: string, positions: Record<string, Position>): WrittenManifest {
  if (data === null || data === undefined) {
    throw new EnvplaneError('input', 'the manifest is empty', {
      location: { file, line: 1, column: 1 },
      hint: 'start from `envplane init`, or write at least `project:` and `environments:`',
    });
  }
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  const add = (keys: readonly string[], message: string, hint: string) => {
    const at = positionOf(positions, keys);
    const id = `${at.line}:${at.column}:${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    problems.push({ message, location: { file, line: at.line, column: at.column }, hint });
  };
  const lists = new Set<string>();
  if (typeof data === 'object' && !Array.isArray(data))
    for (const field of ['environments', 'keys', 'services'] as const) {
      if (Array.isArray((data as Record<string, unknown>)[field])) {
        lists.add(field);
        add(
          [field],
          `${field} must be a mapping of names, not a list`,
          `write \`${field}:\` followed by indented \`name: {...}\` entries`,
        );
      }
    }
  const result = v.safeParse(ManifestSchema, data);
  if (result.success && problems.length === 0) return result.output;
  // Every issue is reported (one run shows every mistake), each once, in the schema's order.
  for (const raw of result.issues ?? []) {
    const issue = deepest(raw);
    const keys = (issue.path ?? []).map((p) => String(p.key));
    if (lists.has(keys[0] ?? '')) continue;
    const { message, hint } = describe(issue, keys);
    add(keys, message, hint);
  }
  throw EnvplaneError.of('input', problems)!;
}

/** One schema issue in words: the field, what it must be, and a hint; input is quoted only when it is a near-miss. */
function describe(issue: Issue, keys: string[]): { message: string; hint: string } {
  const isUnknownField = issue.type === 'strict_object' && issue.expected === 'never';
  const where = display(keys.slice(0, isUnknownField ? -1 : undefined));
  if (isUnknownField) {
    const field = keys[keys.length - 1]!;
    const allowed = FIELDS[contextOf(keys.slice(0, -1))] ?? [];
    return {
      message: `unknown field "${field}"${where ? ` in ${where}` : ''}`,
      hint: unknownHint(field, allowed, 'fields'),
    };
  }
  if (issue.received === 'undefined')
    return {
      message: `missing field "${keys[keys.length - 1]}"${keys.length > 1 ? ` in ${display(keys.slice(0, -1))}` : ''}`,
      hint: 'add it; see the manifest reference in the README',
    };
  let hint = hintFor(keys);
  const options = issue.type === 'picklist' ? (issue.expected ?? '').replace(/[()"]/g, '').split(' | ') : [];
  const close = typeof issue.input === 'string' ? suggest(issue.input, options) : undefined;
  if (close) hint = `did you mean "${close}"? ${hint}`;
  return { message: `${where || 'the manifest'} must be ${expected(issue)}`, hint };
}

/**
 * A union's own issue says little; descend into the branch that matches the input's shape. Valibot keeps the paths
 * of a union's inner issues relative to the union, so they are re-rooted here.
 */
function deepest(issue: Issue): Issue {
  if (issue.type !== 'union' || !issue.issues?.length) return issue;
  const root = issue.path ?? [];
  const rooted = issue.issues.map((i) => ({ ...i, path: [...root, ...(i.path ?? [])] }) as Issue);
  const input = issue.input;
  // A string where a string-or-mapping is allowed: the picklist branch says what the string may be.
  const picklist = rooted.find((i) => i.type === 'picklist');
  if (typeof input === 'string' && picklist) return picklist;
  const inner = rooted.filter((i) => (i.path?.length ?? 0) > root.length);
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && inner.length > 0)
    return deepest(inner[0]!);
  return issue;
}

function contextOf(keys: string[]): string {
  const [top, , third] = keys;
  if (keys.length === 0) return 'root';
  if (top === 'environments') return keys.length >= 3 && third === 'secrets' ? 'secrets' : 'environment';
  if (top === 'keys') return keys.length >= 3 && third === 'generate' ? 'generate' : 'key';
  if (top === 'services') return 'service';
  if (top === 'silence') return 'silence';
  return 'root';
}

function display(keys: string[]): string {
  return keys.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function expected(issue: Issue): string {
  const e = issue.expected ?? 'valid';
  if (/^\(".*"\)$/.test(e) || /^".*"$/.test(e)) {
    const options = e.replace(/[()"]/g, '').split(' | ');
    // Quoted back only when it is a typo of one of the options: a value pasted where a plane or store belongs
    // (`API_KEY: ghp_…` under keys:, as if the manifest held values) must not be printed.
    const typo = typeof issue.input === 'string' && suggest(issue.input, options) !== undefined;
    return `one of ${options.join(', ')}${typo ? ` (got "${issue.input}")` : ''}`;
  }
  if (issue.type === 'min_length') return 'non-empty';
  if (issue.type === 'integer') return 'a whole number';
  if (issue.type === 'union' && typeof issue.input === 'string') return 'one of the known values';
  // Not quoted here: a string where a mapping or list belongs may be anything, a whole file read as YAML included.
  return e.replace(/^Object$/, 'a mapping').replace(/^Array$/, 'a list');
}

function hintFor(keys: string[]): string {
  const last = keys[keys.length - 1];
  if (keys[0] === 'keys' && (keys.length === 2 || last === 'plane'))
    return 'a key is `NAME: <plane>` or `NAME: { plane: <plane>, ... }` with plane build, config, public or secret';
  if (last === 'secrets') return 'write `secrets: { store: files, dir: secrets }` or `{ store: external, prefix: X_ }`';
  if (last === 'store')
    return 'each store kind named above is described in docs/manifest.md (secrets:) and docs/stores/';
  return 'see the manifest reference in the README or schema/envplane.schema.json';
}
