/** Store paths as data: the containment check every secret path passes before anything touches the disk. Pure. */
import { isAbsolute, normalize } from 'node:path/posix';
import { EnvplaneError } from '../errors.ts';

/** The committed template beside a secret file. */
export const EXAMPLE_SUFFIX = '.example';
/** The value a rotation replaced, kept for one `rotate --rollback`. */
export const PREVIOUS_SUFFIX = '.previous';

/**
 * Refuses a store path that would leave `storeDir` (`../x`, absolute, `..\\`): names are restricted by the manifest,
 * but tenants and patterns also end up in the path, so the final path is checked here whatever made it.
 */
export function checkStorePath(storeDir: string, relativePath: string): void {
  const bad = (why: string) =>
    new EnvplaneError('input', `secret path ${JSON.stringify(relativePath)} ${why}`, {
      hint: 'secret names, tenants and store patterns may not contain "..", "\\" or absolute paths',
    });
  if (isAbsolute(storeDir) || isAbsolute(relativePath) || /^[A-Za-z]:/.test(relativePath)) throw bad('is absolute');
  if (relativePath.includes('\\') || relativePath.includes('\0')) throw bad('contains "\\" or a NUL byte');
  const dir = normalize(storeDir);
  const path = normalize(relativePath);
  if (dir === '..' || dir.startsWith('../')) throw bad('is outside the project');
  const inside = dir === '.' ? path !== '.' && !path.startsWith('../') : path.startsWith(`${dir}/`);
  if (!inside || relativePath.split('/').includes('..')) throw bad(`is outside the store ${storeDir}`);
}

/** `a/b/c` → `a`, `a/b`: the folders between the root and a path, outermost first. */
export function ancestors(relativePath: string): string[] {
  const parts = normalize(relativePath).split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
