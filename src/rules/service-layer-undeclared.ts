/**
 * A service's own layer file (`.env.backend`, `.env.etl.wex`) that holds keys the service does not declare. envplane
 * passes on declared keys only, but Compose `env_file:` hands the whole file to the container.
 */
import { suggest } from '../manifest/_suggest.ts';
import { keysUsedByReaders, layersInScope, sharedLayers } from './_scope.ts';
import type { Finding, Rule } from './types.ts';

export const serviceLayerUndeclared: Rule<'service-layer-undeclared'> = {
  id: 'service-layer-undeclared',
  severity: 'warning',
  title: 'Service layer holds an undeclared key',
  why: 'Whoever runs the file with `env_file:` gives the service more than it declares: least privilege is broken.',
  hint: 'add the key to the service’s `uses:` if it needs it; otherwise delete the line',
  run(input) {
    const shared = sharedLayers(input);
    const used = keysUsedByReaders(input);
    const found: Finding[] = [];
    for (const file of layersInScope(input)) {
      if (shared.has(file)) continue;
      const readers = used.get(file) ?? new Set<string>();
      for (const entry of input.layers[file] ?? []) {
        if (readers.has(entry.key)) continue;
        const close = suggest(entry.key, readers);
        found.push({
          message: `${file} sets ${entry.key}, which no service reading it declares${close ? `; did you mean ${close}?` : ''}`,
          location: { file, line: entry.line, column: entry.column },
          key: entry.key,
        });
      }
    }
    return found;
  },
};
