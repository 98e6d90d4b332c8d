/** `envplane.yaml` text → normalized manifest. Pure: the caller reads the file. */
import { EnvplaneError } from '../errors.ts';
import { escapePointer, parseYamlWithPositions, positionOf } from './_yaml.ts';
import { validateWritten } from './_validate.ts';
import { normalizeManifest } from './normalize.ts';
import type { WrittenManifest } from './schema.ts';
import type { Manifest, Position } from './types.ts';

export function parseManifest(text: string, file = 'envplane.yaml'): Manifest {
  const { data, positions, retyped } = parseYamlWithPositions(text, file);
  const written = validateWritten(data, file, positions);
  refuseRetypedDefaults(written, file, positions, retyped);
  return normalizeManifest(written, file, positions);
}

/**
 * A `default:` is delivered as a string, so an unquoted number or boolean must print back exactly as written:
 * `default: 1.50` would deliver "1.5", `0x10` "16", `True` "true". Refused with the quoted form to write instead.
 */
function refuseRetypedDefaults(
  written: WrittenManifest,
  file: string,
  positions: Record<string, Position>,
  retyped: Record<string, string>,
): void {
  for (const [name, key] of Object.entries(written.keys)) {
    if (typeof key === 'string' || typeof key.default === 'string' || key.default === undefined) continue;
    const source = retyped[`/keys/${escapePointer(name)}/default`];
    if (source === undefined) continue;
    const at = positionOf(positions, ['keys', name, 'default']);
    throw new EnvplaneError(
      'input',
      `the default of "${name}" is written ${source}, which YAML reads as ${String(key.default)}`,
      {
        location: { file, line: at.line, column: at.column },
        hint: `quote it to keep it as written: default: ${JSON.stringify(source)}`,
      },
    );
  }
}
