/**
 * A secret file that another account could have written: the file, or a folder above it up to the project folder,
 * is owned by someone other than you, root or the project folder's owner, or is writable by its group or others.
 * `run`, `export` and `render` refuse such a file (as ssh refuses such a key); `check` says which and why.
 */
import { secretFilesInScope } from './_files.ts';
import type { Rule } from './types.ts';

export const secretUntrusted: Rule<'secret-untrusted'> = {
  id: 'secret-untrusted',
  severity: 'error',
  title: 'Secret file another account could have written',
  why: 'Another account can replace the value (a planted password, a key of their own), and every command that delivers it would hand their value to the service. `run`, `export` and `render` refuse the file.',
  hint: 'make the file and its folders yours and writable only by you (chown, chmod go-w), then check the value',
  run(input) {
    return secretFilesInScope(input).flatMap((f) => {
      const untrusted = input.secrets[`file:${f.path}`]?.untrusted;
      if (!untrusted) return [];
      const what =
        untrusted.path === f.path
          ? `secret file ${f.path} is`
          : `secret file ${f.path}: ${untrusted.path === '.' ? 'the project folder' : `its folder ${untrusted.path}`} is`;
      const target = untrusted.path === '.' ? '.' : untrusted.path;
      return [
        {
          message: `${what} ${untrusted.reason}`,
          hint: `chown "$(id -u)" ${target} && chmod go-w ${target}, then check the value: another account may have written it`,
          location: { file: f.path },
          key: f.name,
        },
      ];
    });
  },
};
