/** A secret file other users of the machine can read (or write): anything beyond 0600. */
import { secretFilesInScope } from './_files.ts';
import type { Rule } from './types.ts';
import { shellPath } from '../shell.ts';

export const secretFileMode: Rule<'secret-file-mode'> = {
  id: 'secret-file-mode',
  severity: 'error',
  title: 'Secret file readable by group or others',
  why: 'Any other account on the machine, or any container that mounts the folder, can read the secret.',
  hint: 'chmod 600 the file (`envplane setup` writes secret files 0600)',
  run(input) {
    return secretFilesInScope(input).flatMap((f) => {
      const mode = input.secrets[`file:${f.path}`]?.mode;
      if (mode === undefined || (mode & 0o077) === 0) return [];
      return [
        {
          message: `secret file ${f.path} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}; group or others can access it`,
          hint: `chmod 600 ${shellPath(f.path)}`,
          location: { file: f.path },
          key: f.name,
        },
      ];
    });
  },
};
