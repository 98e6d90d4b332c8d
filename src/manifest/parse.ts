/** `envplane.yaml` text → normalized manifest. Pure: the caller reads the file. */
import { type ErrorDetail, EnvplaneError } from '../errors.ts';
import { escapePointer, parseYamlWithPositions, positionOf } from './_yaml.ts';
import { validateWritten } from './_validate.ts';
import { normalizeManifest } from './normalize.ts';
import type { WrittenManifest } from './schema.ts';
import type { Manifest, Position } from './types.ts';

export function parseManifest(text: string, file = 'envplane.yaml'): Manifest {
  const { data, positions, retyped } = parseYamlWithPositions(text, file);
  const written = validateWritten(data, file, positions);
  // One report for the whole manifest: the retyped defaults first (as before), then every problem normalization finds.
  const problems = retypedDefaults(written, file, positions, retyped);
  let manifest: Manifest | undefined;
  try {
    manifest = normalizeManifest(written, file, positions);
  } catch (error) {
    if (!(error instanceof EnvplaneError)) throw error;
    problems.push(...(error.problems ?? [error]));
  }
  const error = EnvplaneError.of('input', problems);
  if (error || !manifest) throw error;
  return manifest;
}

/**
 * A `default:` is delivered as a string, so an unquoted number or boolean must print back exactly as written:
 * `default: 1.50` would deliver "1.5", `0x10` "16", `True` "true". Refused with the quoted form to write instead.
 */
function retypedDefaults(
  written: WrittenManifest,
  file: string,
  positions: Record<string, Position>,
  retyped: Record<string, string>,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  for (const [name, key] of Object.entries(written.keys)) {
    if (typeof key === 'string' || typeof key.default === 'string' || key.default === undefined) continue;
    const source = retyped[`/keys/${escapePointer(name)}/default`];
    if (source === undefined) continue;
    const at = positionOf(positions, ['keys', name, 'default']);
    problems.push({
      message: `the default of "${name}" is written ${source}, which YAML reads as ${String(key.default)}`,
      location: { file, line: at.line, column: at.column },
      hint: `quote it to keep it as written: default: ${JSON.stringify(source)}`,
    });
  }
  return problems;
}
