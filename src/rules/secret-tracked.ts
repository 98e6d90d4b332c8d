/** The seed's "commit secrets to version control" DON'T: a secret file git tracks. */
import { secretFilesInScope } from './_files.ts';
import type { Rule } from './types.ts';

export const secretTracked: Rule = {
  id: 'secret-tracked',
  severity: 'error',
  title: 'Secret file tracked by git',
  why: 'A committed secret is in every clone and in history forever, even after the file is deleted.',
  hint: 'run `git rm --cached <file>`, add it to .gitignore, and rotate the value: history still holds it',
  run(input) {
    return secretFilesInScope(input)
      .filter((f) => input.secrets[`file:${f.path}`]?.tracked === true)
      .map((f) => ({
        message: `secret file ${f.path} (${f.name}) is tracked by git`,
        hint: `git rm --cached ${f.path}, add it to .gitignore, then \`envplane rotate ${f.name}\`: history still holds the old value`,
        location: { file: f.path },
        key: f.name,
      }));
  },
};
