/**
 * The one place that turns a thrown error into stderr text and an exit code. Errors of our own carry no secret
 * values; anything else is a bug, and its message could hold anything, so only its type is shown.
 */
import { EnvplaneError, formatLocation } from '../errors.ts';
import { styleErr } from './_style.ts';

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof EnvplaneError) {
    const problems = error.problems ?? [error];
    for (const problem of problems) {
      const where = problem.location ? `${formatLocation(problem.location)}: ` : '';
      process.stderr.write(`${styleErr.red('error')}: ${where}${problem.message}\n`);
      if (problem.hint) process.stderr.write(`  ${styleErr.dim('hint:')} ${problem.hint}\n`);
    }
    if (problems.length > 1) process.stderr.write(`${problems.length} problems\n`);
    return error.kind === 'failure' ? EXIT.problems : EXIT.usage;
  }
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | undefined)?.code;
  process.stderr.write(
    `${styleErr.red('internal error')}: ${name}${typeof code === 'string' ? ` (${code})` : ''}; this is a bug in envplane\n`,
  );
  if (debug && error instanceof Error && error.stack) {
    // Frames only: the first line of a stack repeats the message, which may quote input.
    const frames = error.stack.split('\n').filter((l) => /^\s+at /.test(l));
    process.stderr.write(`${frames.join('\n')}\n`);
  } else {
    process.stderr.write('  hint: rerun with --debug for the stack (it never contains values) and report it\n');
  }
  return EXIT.problems;
}
