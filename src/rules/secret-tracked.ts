/** The seed's "commit secrets to version control" DON'T: a secret file, or an env file holding secrets, that git tracks. */
import { listText } from './_common.ts';
import { secretEnvFilesInScope, secretFilesInScope } from './_files.ts';
import type { Finding, Rule } from './types.ts';
import { shellLine, shellPath } from '../shell.ts';

export const secretTracked: Rule<'secret-tracked'> = {
  id: 'secret-tracked',
  severity: 'error',
  title: 'Secret file tracked by git',
  why: 'A committed secret is in every clone and in history forever, even after the file is deleted.',
  hint: 'run `git rm --cached <file>`, add it to .gitignore, and rotate the value: history still holds it',
  run(input) {
    const envFiles = secretEnvFilesInScope(input)
      .filter((f) => f.ids.some((id) => input.secrets[id]?.tracked === true))
      .map(
        (f): Finding => ({
          message: `env file ${f.file} holds secret${f.secrets.length > 1 ? 's' : ''} ${listText(f.secrets)} and is tracked by git`,
          hint: `move the secrets out (\`envplane migrate\`), then rotate them: history still holds the old values`,
          location: { file: f.file },
        }),
      );
    return secretFilesInScope(input)
      .filter((f) => input.secrets[`file:${f.path}`]?.tracked === true)
      .map(
        (f): Finding => ({
          message: `secret file ${f.path} (${f.name}) is tracked by git`,
          hint: `git rm --cached ${shellPath(f.path)}, add it to .gitignore, then \`${shellLine(['envplane', 'rotate', f.name])}\`: history still holds the old value`,
          location: { file: f.path },
          key: f.name,
        }),
      )
      .concat(envFiles);
  },
};
