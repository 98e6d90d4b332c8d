/**
 * Compose YAML text → plain data plus the line of every node. Compose files are written by people and tools that use
 * anchors and `<<` merge keys (Compose accepts them), so merges are on, with a small alias budget; custom tags and
 * duplicate keys are errors. Pure: the caller reads the file.
 */
import { LineCounter, parseDocument } from 'yaml';
import { EnvplaneError } from '../errors.ts';
import { escapePointer } from '../manifest/_pointer.ts';
import { nodePositions, refuseUnsafeKeys, yamlMessage } from '../manifest/_yaml.ts';

export interface ComposeYaml {
  data: unknown;
  /** JSON pointer → 1-based line: of the key for a map entry, of the item for a sequence entry. */
  lines: Record<string, number>;
}

const MAX_ALIASES = 100;

export function parseComposeYaml(text: string, file: string): ComposeYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    // Warnings would go to process.emitWarning, printed with the source they quote (values included).
    logLevel: 'error',
  });
  // Warnings (an unknown tag such as Compose's own `!reset`) do not stop the reading; errors do.
  const problem = doc.errors[0];
  if (problem) {
    const at = lineCounter.linePos(problem.pos[0]);
    throw new EnvplaneError('input', `invalid YAML: ${yamlMessage(problem.message)}`, {
      location: { file, line: at.line, column: at.col },
      hint: 'fix the compose file so that `docker compose config` accepts it, then run envplane again',
    });
  }
  refuseUnsafeKeys(doc, lineCounter, file);
  const lines: Record<string, number> = {};
  for (const [pointer, at] of Object.entries(nodePositions(doc, lineCounter))) lines[pointer] = at.line;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch {
    throw new EnvplaneError('input', 'invalid YAML: too many alias expansions', {
      location: { file, line: 1 },
      hint: `envplane expands at most ${MAX_ALIASES} aliases in a compose file; write the values out`,
    });
  }
  return { data, lines };
}

/** The line of the deepest node on the path that has one: merged-in or aliased nodes report their parent. */
export function lineAt(lines: Record<string, number>, keys: readonly (string | number)[]): number {
  for (let n = keys.length; n >= 0; n--) {
    const pointer = keys
      .slice(0, n)
      .map((k) => `/${escapePointer(String(k))}`)
      .join('');
    const line = lines[pointer];
    if (line !== undefined) return line;
  }
  return 1;
}
