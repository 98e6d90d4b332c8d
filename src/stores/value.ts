/**
 * A secret value handed to envplane as bytes (stdin): strict UTF-8, one trailing newline dropped (`echo` and most
 * clipboards add one), never empty, never a NUL byte (most readers would cut the value there). Pure. Errors name the
 * source, never the value.
 */
import { EnvplaneError } from '../errors.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function valueFromBytes(bytes: Uint8Array, shownAs: string): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new EnvplaneError('input', 'the value is not valid UTF-8', { location: { file: shownAs } });
  }
  const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  if (value === '')
    throw new EnvplaneError('input', 'the value is empty', {
      location: { file: shownAs },
      hint: 'pipe the new value in, e.g. `envplane rotate <secret> --env <env> --from-stdin < file`',
    });
  if (value.includes('\0'))
    throw new EnvplaneError('input', 'the value contains a NUL byte', {
      location: { file: shownAs },
      hint: 'secret files are text; a NUL byte would cut the value short for most readers',
    });
  return value;
}
