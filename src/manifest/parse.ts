/** `envplane.yaml` text → normalized manifest. Pure: the caller reads the file. */
import { parseYamlWithPositions } from './_yaml.ts';
import { validateWritten } from './_validate.ts';
import { normalizeManifest } from './normalize.ts';
import type { Manifest } from './types.ts';

export function parseManifest(text: string, file = 'envplane.yaml'): Manifest {
  const { data, positions } = parseYamlWithPositions(text, file);
  const written = validateWritten(data, file, positions);
  return normalizeManifest(written, file, positions);
}
