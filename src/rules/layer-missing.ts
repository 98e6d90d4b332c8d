/** A layer file the manifest lists that does not exist (check loads with `requireLayers: false` to report it). */
import { positionOf } from '../manifest/_yaml.ts';
import { layersFor } from '../resolve/layers.ts';
import type { Finding, Rule } from './types.ts';

export const layerMissing: Rule<'layer-missing'> = {
  id: 'layer-missing',
  severity: 'error',
  title: 'Layer file missing',
  why: 'Compose refuses to start a service whose `env_file` is missing, and envplane cannot resolve its values.',
  hint: 'create the file (it may be empty; `envplane setup` copies it from its .example), or remove it from the manifest',
  run({ manifest, environments, instances, layers }) {
    const found = new Map<string, Finding>();
    for (const environment of environments)
      for (const instance of instances)
        for (const ref of layersFor(manifest, environment, instance)) {
          if (layers[ref.path] !== undefined || found.has(ref.path)) continue;
          const at = positionOf(manifest.positions, ref.from);
          found.set(ref.path, {
            message: `layer file ${ref.path} does not exist (read by ${instance.id} in ${environment.name})`,
            location: { file: manifest.file, line: at.line, column: at.column },
            related: [{ file: ref.path }],
            environment: environment.name,
          });
        }
    return [...found.values()];
  },
};
