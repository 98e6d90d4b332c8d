/**
 * YAML text to plain data plus the position of every node, so that later errors can say file:line:column.
 * The manifest is untrusted input: read by the one YAML reader (`yaml.ts`) with the core schema only (no custom
 * tags, no merge keys); numbers and booleans that would not print back as written are noted.
 */
import { type Document, isMap, isPair, isScalar, isSeq } from 'yaml';
import { escapePointer } from './_pointer.ts';
import type { Position } from './types.ts';
import { readYaml } from './yaml.ts';

export { escapePointer, positionOf } from './_pointer.ts';

export interface ParsedYaml {
  data: unknown;
  /** JSON pointer → position: of the key for a map entry, of the item for a sequence entry. */
  positions: Record<string, Position>;
  /**
   * JSON pointer → source text of each unquoted number or boolean that does not print back as written (`1.50` is
   * 1.5, `0x10` is 16, `True` is true): where the manifest wants a string, the value would silently change.
   */
  retyped: Record<string, string>;
}

export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
  const { doc, data, positions } = readYaml(text, file, {
    merge: false,
    core: true,
    strictWarnings: true,
    hint: yamlHint,
  });
  return { data, positions, retyped: retypedScalars(doc) };
}

function retypedScalars(doc: Document): Record<string, string> {
  const retyped: Record<string, string> = {};
  const walk = (node: unknown, pointer: string): void => {
    if (isMap(node)) {
      for (const pair of node.items)
        if (isPair(pair)) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          walk(pair.value, `${pointer}/${escapePointer(key)}`);
        }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, `${pointer}/${i}`);
    } else if (isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'boolean')) {
      const source = (node as { source?: unknown }).source;
      if (typeof source === 'string' && source !== String(node.value)) retyped[pointer] = source;
    }
  };
  walk(doc.contents, '');
  return retyped;
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
