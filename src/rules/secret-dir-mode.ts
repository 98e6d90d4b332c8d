/** A secret store directory others can list or enter: 0700 keeps even the secrets' names private. */
import type { Rule } from './types.ts';
import { shellPath } from '../shell.ts';

export const secretDirMode: Rule<'secret-dir-mode'> = {
  id: 'secret-dir-mode',
  severity: 'warning',
  title: 'Secret directory open to group or others',
  why: 'Others can see which secrets exist, and a file created later with a loose umask becomes readable to them.',
  hint: 'chmod 700 the directory (`envplane setup` creates secret directories 0700)',
  run({ secretDirs }) {
    return secretDirs
      .filter((d) => (d.mode & 0o077) !== 0)
      .map((d) => ({
        message: `secret directory ${d.path} has mode ${(d.mode & 0o777).toString(8).padStart(4, '0')}; group or others can list it`,
        hint: `chmod 700 ${shellPath(d.path)}`,
        location: { file: d.path },
      }));
  },
};
