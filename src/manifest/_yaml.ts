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
  /**
   * JSON pointer → source text of each unquoted number or boolean that does not print back as written (`1.50` is
   * 1.5, `0x10` is 16, `True` is true): where the manifest wants a string, the value would silently change.
   */
  retyped: Record<string, string>;
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
    // The library's warnings go to process.emitWarning, which prints them with the source they quote.
    logLevel: 'error',
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const at = lineCounter.linePos(problem.pos[0]);
    throw new EnvplaneError('input', `invalid YAML: ${yamlMessage(problem.message)}`, {
      location: { file, line: at.line, column: at.col },
      hint: yamlHint(problem.code),
    });
  }
  refuseUnsafeKeys(doc, lineCounter, file);
  const positions = nodePositions(doc, lineCounter);
  const retyped = retypedScalars(doc);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new EnvplaneError('input', `invalid YAML: ${yamlMessage((error as Error).message)}`, {
      location: { file, line: 1, column: 1 },
      hint: `envplane allows at most ${MAX_ALIASES} alias expansions; write the values out`,
    });
  }
  return { data, positions, retyped };
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

/**
 * A YAML parser message without the source text it quotes (`Unexpected scalar token in YAML stream: "…"`, `Unresolved
 * tag: !x`): the quoted token may be a value. The description before it is kept.
 */
export function yamlMessage(message: string): string {
  // The parser descends one frame per level: thousands of `[` or `{` end its stack, and it reports just that.
  if (/^Maximum call stack size exceeded/.test(message)) return 'nested too deeply';
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const cut = first.search(/:\s|"/);
  return (cut === -1 ? first : first.slice(0, cut)).trimEnd();
}

/**
 * Keys that cannot stand for themselves in the data: a list or mapping used as a mapping key (the parser would turn it
 * into text, quoting its values, when it builds the data), and `__proto__`, which building a JavaScript object drops
 * without a word (an environment or service of that name would vanish). Refused, located, without quoting anything.
 */
export function refuseUnsafeKeys(doc: Document, lineCounter: LineCounter, file: string): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (isMap(pair.key) || isSeq(pair.key)) {
          const at = lineCounter.linePos((pair.key as Node).range?.[0] ?? 0);
          throw new EnvplaneError('input', 'invalid YAML: a list or mapping is used as a mapping key', {
            location: { file, line: at.line, column: at.col },
            hint: 'a key is a plain name: remove the brackets or braces around it (or a stray `?`)',
          });
        }
        if (isScalar(pair.key) && pair.key.value === '__proto__') {
          const at = lineCounter.linePos(pair.key.range?.[0] ?? 0);
          throw new EnvplaneError('input', 'invalid name: "__proto__" cannot be a key', {
            location: { file, line: at.line, column: at.col },
            hint: 'choose another name; JavaScript objects cannot hold this one',
          });
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
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
