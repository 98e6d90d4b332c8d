/** A secret file (or an env file holding secrets) that .gitignore does not cover: one `git add .` away from being committed. */
import { listText } from './_common.ts';
import { secretEnvFilesInScope, secretFilesInScope } from './_files.ts';
import type { Finding, Rule } from './types.ts';

export const secretNotIgnored: Rule<'secret-not-ignored'> = {
  id: 'secret-not-ignored',
  severity: 'error',
  title: 'Secret file not covered by .gitignore',
  why: 'Without an ignore rule, the next `git add .` commits the secret.',
  hint: 'run `envplane setup` (it adds the ignore lines), or add the store directory to .gitignore',
  run(input) {
    const envFiles = secretEnvFilesInScope(input)
      .filter((f) => f.ids.some((id) => input.secrets[id]?.ignored === false && input.secrets[id]?.tracked === false))
      .map(
        (f): Finding => ({
          message: `env file ${f.file} holds secret${f.secrets.length > 1 ? 's' : ''} ${listText(f.secrets)} and is not ignored by git`,
          hint: `move the secrets out (\`envplane migrate\`), or add ${f.file} to .gitignore`,
          location: { file: f.file },
        }),
      );
    return secretFilesInScope(input)
      .filter((f) => {
        const fact = input.secrets[`file:${f.path}`];
        // Tracked files are `secret-tracked`; unknown (no git repository) is not reported.
        return fact?.ignored === false && fact.tracked === false;
      })
      .map(
        (f): Finding => ({
          message: `secret file ${f.path} (${f.name}) is not ignored by git`,
          location: { file: f.path },
          key: f.name,
        }),
      )
      .concat(envFiles);
  },
};
