/**
 * Creating the folders envplane writes into. Its own file, without `node:crypto`, because the audit log (appended on
 * every `run`) needs it and must stay light; `atomic.ts` draws random temp names and loads that module.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EnvplaneError } from '../errors.ts';

/** Every temp file envplane writes starts with this; the writer's pid follows, so only a dead writer's are removed. */
export const TEMP_MARK = '.envplane-tmp-';

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
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw located(error, shownAs);
  }
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (error) {
    throw located(error, shownAs);
  }
}

/** A system error on the way to `shownAs` (a read-only parent, a file where a folder should be) as a located failure. */
function located(error: unknown, shownAs: string): unknown {
  if (error instanceof EnvplaneError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  if (code === 'ENOTDIR' || code === 'EEXIST')
    return new EnvplaneError('input', `cannot create the folder ${dirname(shownAs)}: a part of it is a file`, {
      location: { file: dirname(shownAs) },
      hint: 'choose a path whose folders are folders; nothing was written',
    });
  return new EnvplaneError('failure', `cannot create the folder ${dirname(shownAs)}: ${code}`, {
    location: { file: dirname(shownAs) },
    hint:
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'a folder on the way is not writable (permissions, or a read-only file system); nothing was written'
        : 'nothing was written',
  });
}
