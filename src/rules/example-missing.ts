/** `.example` drift, one way: a files-store secret without a committed template telling newcomers what goes there. */
import { secretFilesInScope } from './_files.ts';
import type { Rule } from './types.ts';

export const exampleMissing: Rule<'example-missing'> = {
  id: 'example-missing',
  severity: 'warning',
  title: 'Secret file without a .example template',
  why: 'The template is how a new developer learns that the file exists and what shape its value has.',
  hint: 'commit `<file>.example` with a placeholder (never the real value)',
  run(input) {
    return secretFilesInScope(input)
      .filter((f) => input.secrets[`file:${f.path}`]?.hasExample === false)
      .map((f) => ({
        message: `secret file ${f.path} (${f.name}) has no ${f.path}.example template`,
        hint: `create ${f.path}.example holding a placeholder such as "your-${f.name.toLowerCase().replaceAll('_', '-')}"`,
        location: { file: f.path },
        key: f.name,
      }));
  },
};
