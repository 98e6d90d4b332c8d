/** A key assigned twice in one layer file: the later line silently wins, and editing the first one does nothing. */
import { groupBy } from './_common.ts';
import { layersInScope } from './_scope.ts';
import type { Finding, Rule } from './types.ts';

export const duplicateKey: Rule<'duplicate-key'> = {
  id: 'duplicate-key',
  severity: 'warning',
  title: 'Key defined twice in one layer',
  why: 'Only the last assignment counts (Compose and envplane agree), so the earlier line is a trap for the next edit.',
  hint: 'delete all but one of the lines',
  run(input) {
    const found: Finding[] = [];
    for (const file of layersInScope(input)) {
      for (const [key, entries] of groupBy(input.layers[file] ?? [], (e) => e.key)) {
        if (entries.length < 2) continue;
        const lines = entries.map((e) => e.line);
        const last = entries[entries.length - 1]!;
        found.push({
          message: `${key} is set ${entries.length} times in ${file} (lines ${lines.join(', ')}); line ${last.line} wins`,
          location: { file, line: last.line, column: last.column },
          related: entries.slice(0, -1).map((e) => ({ file, line: e.line, column: e.column })),
          key,
        });
      }
    }
    return found;
  },
};
