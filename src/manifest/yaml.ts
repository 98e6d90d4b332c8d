/**
 * The one YAML reader for untrusted files (the manifest, the user's compose files): one alias budget, duplicate keys
 * refused, the parser's warnings kept away from process.emitWarning (it prints the source it quotes), keys that
 * cannot stand for themselves refused, messages that never quote input, and the position of every node. Pure.
 */
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { EnvplaneError } from '../errors.ts';
import { escapePointer } from './_pointer.ts';
import type { Position } from './types.ts';

/** Alias expansions allowed in one file: enough for anchors people write, far below an alias bomb. */
export const MAX_ALIAS_EXPANSIONS = 100;

export interface YamlOptions {
  /** `<<` merge keys (Compose accepts them; the manifest does not). */
  merge: boolean;
  /** The core schema only (no YAML 1.1 booleans, no custom types). */
  core: boolean;
  /** Warnings (an unknown tag such as Compose's `!reset`) stop the reading too. */
  strictWarnings: boolean;
  /** The hint for a syntax error, by the parser's error code. */
  hint: (code: string) => string;
}

export interface YamlRead {
  doc: Document;
  data: unknown;
  /** JSON pointer → position: of the key for a map entry, of the item for a sequence entry. */
  positions: Record<string, Position>;
}

export function readYaml(text: string, file: string, options: YamlOptions): YamlRead {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    ...(options.core ? { schema: 'core' as const } : {}),
    merge: options.merge,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    logLevel: 'error',
  });
  const problem = doc.errors[0] ?? (options.strictWarnings ? doc.warnings[0] : undefined);
  if (problem) {
    const at = lineCounter.linePos(problem.pos[0]);
    throw new EnvplaneError('input', `invalid YAML: ${yamlMessage(problem.message)}`, {
      location: { file, line: at.line, column: at.col },
      hint: options.hint(problem.code),
    });
  }
  refuseUnsafeKeys(doc, lineCounter, file);
  const positions = nodePositions(doc, lineCounter);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch {
    throw new EnvplaneError('input', 'invalid YAML: too many alias expansions', {
      location: { file, line: 1, column: 1 },
      hint: `envplane expands at most ${MAX_ALIAS_EXPANSIONS} aliases in a file; write the values out`,
    });
  }
  return { doc, data, positions };
}

/** JSON pointer → position of every node: of the key for a map entry, of the item for a sequence entry. */
function nodePositions(doc: Document, lineCounter: LineCounter): Record<string, Position> {
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
function refuseUnsafeKeys(doc: Document, lineCounter: LineCounter, file: string): void {
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
