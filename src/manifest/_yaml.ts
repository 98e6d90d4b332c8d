/**
 * YAML text to plain data plus the position of every node, so that later errors can say file:line:column.
 * The manifest is untrusted input: core schema only (no custom tags, no merge keys), a small alias budget,
 * duplicate keys rejected.
 */
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { EnvplaneError } from '../errors.ts';
import { escapePointer } from './_pointer.ts';
import type { Position } from './types.ts';

export { escapePointer, positionOf } from './_pointer.ts';

export interface ParsedYaml {
  data: unknown;
  /** JSON pointer → position: of the key for a map entry, of the item for a sequence entry. */
  positions: Record<string, Position>;
}

const MAX_ALIASES = 50;

export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    schema: 'core',
    merge: false,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const at = lineCounter.linePos(problem.pos[0]);
    throw new EnvplaneError('input', `invalid YAML: ${firstLine(problem.message)}`, {
      location: { file, line: at.line, column: at.col },
      hint: yamlHint(problem.code),
    });
  }
  const positions = nodePositions(doc, lineCounter);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new EnvplaneError('input', `invalid YAML: ${firstLine((error as Error).message)}`, {
      location: { file, line: 1, column: 1 },
      hint: `envplane allows at most ${MAX_ALIASES} alias expansions; write the values out`,
    });
  }
  return { data, positions };
}

/** JSON pointer → position of every node: of the key for a map entry, of the item for a sequence entry. */
export function nodePositions(doc: Document, lineCounter: LineCounter): Record<string, Position> {
  const positions: Record<string, Position> = {};
  const pos = (node: unknown): Position | undefined => {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return undefined;
    const at = lineCounter.linePos(range[0]);
    return { line: at.line, column: at.col };
  };
  const walk = (node: unknown, pointer: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = `${pointer}/${escapePointer(key)}`;
        const at = pos(pair.key) ?? pos(pair.value);
        if (at) positions[child] = at;
        walk(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = `${pointer}/${i}`;
        const at = pos(item);
        if (at) positions[child] = at;
        walk(item, child);
      });
    }
  };
  positions[''] = pos(doc.contents) ?? { line: 1, column: 1 };
  walk(doc.contents, '');
  return positions;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each name may appear once in a mapping; merge the two entries';
    case 'TAG_RESOLVE_FAILED':
      return 'custom YAML tags are not allowed in envplane.yaml; remove the `!tag`';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested entries need two more spaces than their parent';
    default:
      return 'fix the YAML syntax at this position';
  }
}
