/**
 * Reading one secret value at the edge that delivers it. A files-store value drops exactly one trailing newline
 * (`echo value > secrets/x.txt` writes one) and an empty file counts as missing.
 */
import { isAbsolute, join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import type { SecretLocation } from '../resolve/types.ts';

/** Layer entries by file, to read secrets that still live in a config file (the second seed's layout). */
export type LayerEntries = Readonly<
  Record<string, readonly { key: string; line: number; value: string }[] | undefined>
>;

/** The value, or undefined when it is missing (no file, empty file, external store). */
export function readSecretValue(root: string, location: SecretLocation, layers: LayerEntries = {}): string | undefined {
  switch (location.kind) {
    case 'file': {
      // Names are restricted by the manifest; a path that could leave the project is refused whatever made it.
      if (isAbsolute(location.path) || location.path.split(/[/\\]/).includes('..'))
        throw new EnvplaneError('input', `secret path ${JSON.stringify(location.path)} leaves the project`, {
          hint: 'secret names, tenants and store patterns may not contain ".." or absolute paths',
        });
      const text = readTextIfExists(join(root, location.path), location.path, { noFollow: true, label: 'secret file' });
      if (text === undefined) return undefined;
      const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
      return value === '' ? undefined : value;
    }
    case 'layer':
      return layers[location.file]?.find((e) => e.line === location.line)?.value;
    case 'external':
      return undefined;
    case 'store':
      // A managed store's `ref` is never a plain file; its values are read through the registry (stores/index.ts).
      throw new Error(`readSecretValue: ${location.store} values are read through their store`);
  }
}
