/**
 * Removing assignments from `.env` text while every other line (comments, blank lines, other keys) stays byte for
 * byte: how `migrate` takes a secret out of a layer file. A quoted value may span lines, so a statement's extent is
 * found by parsing, not by counting lines. Pure.
 */
import { parseDotenvEntries } from '../dotenv/index.ts';

/** 1-based inclusive line range of one statement. */
export interface LineRange {
  from: number;
  to: number;
}

const NO_LOOKUP = () => '';

/** The lines of the statement that starts at `line` (the line of its key). */
export function statementRange(lines: readonly string[], line: number, key: string): LineRange {
  for (let to = line; to <= lines.length; to++) {
    const chunk = lines.slice(line - 1, to).join('\n');
    try {
      const first = parseDotenvEntries(chunk, { lookup: NO_LOOKUP })[0];
      if (first?.key === key) return { from: line, to };
    } catch {
      // an unterminated quote: the value continues on the next line
    }
  }
  return { from: line, to: line };
}

/** `text` without the statements of `keys` (every occurrence, duplicates included). Line endings are kept. */
export function removeKeys(
  text: string,
  entries: readonly { key: string; line: number }[],
  keys: ReadonlySet<string>,
): string {
  const parts = text.split(/(?<=\n)/);
  const bare = parts.map((p) => p.replace(/\r?\n$/, ''));
  const drop = new Set<number>();
  for (const entry of entries) {
    if (!keys.has(entry.key)) continue;
    const range = statementRange(bare, entry.line, entry.key);
    for (let n = range.from; n <= range.to; n++) drop.add(n);
  }
  return parts.filter((_, i) => !drop.has(i + 1)).join('');
}
