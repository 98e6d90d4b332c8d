import { EnvplaneError } from '../errors.ts';

/**
 * Where a parse error sits. Counting lines only when an error happens keeps the scanner's hot loop free of
 * bookkeeping for positions that are never reported.
 */
export function locate(text: string, pos: number, base: number): { line: number; column: number } {
  let line = 1;
  let lineStart = base;
  for (let i = text.indexOf('\n', base); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

/**
 * A located `.env` error. The message names a line, a column and what is wrong, never the text around it: the line
 * may be a pasted secret.
 */
export function dotenvError(
  text: string,
  base: number,
  file: string,
  pos: number,
  problem: string,
  hint?: string,
): EnvplaneError {
  const { line, column } = locate(text, pos, base);
  return new EnvplaneError('input', `line ${line}: ${problem}`, {
    location: { file, line, column },
    ...(hint ? { hint } : {}),
  });
}
