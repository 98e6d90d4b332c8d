/**
 * Creating the folders envplane writes into. Its own file, without `node:crypto`, because the audit log (appended on
 * every `run`) needs it and must stay light; `atomic.ts` draws random temp names and loads that module.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EnvplaneError } from '../errors.ts';

/** Creates missing directories with `mode`; refuses a symlinked directory on the way. */
export function ensureDir(dir: string, mode = 0o700, shownAs = dir): void {
  try {
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink())
      throw new EnvplaneError('input', `refusing to write through the symbolic link ${dirname(shownAs)}`, {
        location: { file: dirname(shownAs) },
        hint: 'replace the link with a real directory',
      });
    if (!stat.isDirectory())
      throw new EnvplaneError('input', `${dirname(shownAs)} is not a directory`, {
        location: { file: dirname(shownAs) },
      });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dir, { recursive: true, mode });
}
