/**
 * Compose YAML text → plain data plus the line of every node. Compose files are written by people and tools that use
 * anchors and `<<` merge keys (Compose accepts them), so merges are on; the one YAML reader (`manifest/yaml.ts`)
 * keeps the alias budget and refuses duplicate keys. Pure: the caller reads the file.
 */
import { escapePointer } from '../manifest/_pointer.ts';
import { readYaml } from '../manifest/yaml.ts';

export interface ComposeYaml {
  data: unknown;
  /** JSON pointer → 1-based line: of the key for a map entry, of the item for a sequence entry. */
  lines: Record<string, number>;
}

export function parseComposeYaml(text: string, file: string): ComposeYaml {
  const { data, positions } = readYaml(text, file, {
    merge: true,
    core: false,
    strictWarnings: false,
    hint: () => 'fix the compose file so that `docker compose config` accepts it, then run envplane again',
  });
  const lines: Record<string, number> = {};
  for (const [pointer, at] of Object.entries(positions)) lines[pointer] = at.line;
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
