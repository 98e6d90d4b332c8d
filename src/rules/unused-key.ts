/** Typo guard: a key set in a shared layer that no service reading the layer uses (with a did-you-mean). */
import { suggest } from '../manifest/_suggest.ts';
import { layersInScope, keysUsedByReaders, sharedLayers } from './_scope.ts';
import type { Finding, Rule } from './types.ts';

export const unusedKey: Rule<'unused-key'> = {
  id: 'unused-key',
  severity: 'warning',
  title: 'Key set but used by no service',
  why: 'A value nobody reads is usually a typo of a key somebody does read, which then silently keeps its default.',
  hint: 'fix the name, add the key to the `uses:` of the service that needs it, or delete the line',
  run(input) {
    const shared = sharedLayers(input);
    const used = keysUsedByReaders(input);
    const declared = Object.keys(input.manifest.keys);
    const found: Finding[] = [];
    for (const file of layersInScope(input)) {
      if (!shared.has(file)) continue; // a service's own file: `service-layer-undeclared` reports it
      const readers = used.get(file) ?? new Set<string>();
      const reported = new Set<string>();
      for (const entry of input.layers[file] ?? []) {
        if (readers.has(entry.key) || reported.has(entry.key)) continue;
        reported.add(entry.key);
        const known = input.manifest.keys[entry.key] !== undefined;
        const close = known ? undefined : suggest(entry.key, declared);
        found.push({
          message: known
            ? `${entry.key} is set in ${file} but no service that reads ${file} uses it`
            : `${entry.key} in ${file} is not a declared key${close ? `; did you mean ${close}?` : ''}`,
          location: { file, line: entry.line, column: entry.column },
          key: entry.key,
          ...(close ? { hint: `rename it to ${close}, or declare ${entry.key} in envplane.yaml` } : {}),
        });
      }
    }
    return found;
  },
};
