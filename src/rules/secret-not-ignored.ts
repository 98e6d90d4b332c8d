/** A secret file that .gitignore does not cover: one `git add .` away from being committed. */
import { secretFilesInScope } from './_files.ts';
import type { Rule } from './types.ts';

export const secretNotIgnored: Rule = {
  id: 'secret-not-ignored',
  severity: 'error',
  title: 'Secret file not covered by .gitignore',
  why: 'Without an ignore rule, the next `git add .` commits the secret.',
  hint: 'run `envplane setup` (it adds the ignore lines), or add the store directory to .gitignore',
  run(input) {
    return secretFilesInScope(input)
      .filter((f) => {
        const fact = input.secrets[`file:${f.path}`];
        // Tracked files are `secret-tracked`; unknown (no git repository) is not reported.
        return fact?.ignored === false && fact.tracked === false;
      })
      .map((f) => ({
        message: `secret file ${f.path} (${f.name}) is not ignored by git`,
        location: { file: f.path },
        key: f.name,
      }));
  },
};
