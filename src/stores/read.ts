/**
 * Reading one secret value at the edge that delivers it. A files-store value drops exactly one trailing newline
 * (`echo value > secrets/x.txt` writes one) and an empty file counts as missing.
 */
import type { Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import { distrustOfSecretFile } from '../io/trust.ts';
import type { SecretLocation } from '../resolve/types.ts';

/** Layer entries by file, to read secrets that still live in a config file (the second seed's layout). */
export type LayerEntries = Readonly<
  Record<string, readonly { key: string; line: number; value: string }[] | undefined>
>;

export interface ReadOptions {
  /**
   * Read a file another account could have written (`io/trust.ts`) instead of refusing it: for `scan` and
   * `render --check`'s mask, which only search for the value and deliver nothing. Default: refuse.
   */
  untrusted?: 'read';
}

/**
 * The value, or undefined when it is missing (no file, empty file, external store). A files-store value is refused
 * (exit 2) when the file or a folder above it is owned by another account or writable by one, as ssh refuses keys.
 */
export function readSecretValue(
  root: string,
  location: SecretLocation,
  layers: LayerEntries = {},
  options: ReadOptions = {},
): string | undefined {
  switch (location.kind) {
    case 'file': {
      // Names are restricted by the manifest; a path that could leave the project is refused whatever made it.
      if (isAbsolute(location.path) || location.path.split(/[/\\]/).includes('..'))
        throw new EnvplaneError('input', `secret path ${JSON.stringify(location.path)} leaves the project`, {
          hint: 'secret names, tenants and store patterns may not contain ".." or absolute paths',
        });
      const path = location.path;
      const onOpen = options.untrusted === 'read' ? undefined : (stat: Stats) => refuseUntrusted(root, path, stat);
      const text = readTextIfExists(join(root, path), path, {
        noFollow: true,
        label: 'secret file',
        ...(onOpen ? { onOpen } : {}),
      });
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

/** Throws when the secret file just opened (or a folder above it) is not to be trusted. */
function refuseUntrusted(root: string, path: string, stat: Stats): void {
  const distrust = distrustOfSecretFile(root, path, stat);
  if (!distrust) return;
  throw new EnvplaneError(
    'input',
    `refusing to use secret file ${path}: ${distrust.path === path ? 'it' : distrust.path === '.' ? 'the project folder' : `its folder ${distrust.path}`} is ${distrust.reason}`,
    {
      location: { file: path },
      hint: `make it yours and writable only by you (chown $(id -u) …; chmod go-w …), as ssh requires of keys — then check the value, which someone else may have written; \`envplane check\` lists every such file`,
    },
  );
}
