/**
 * Terminal styling that switches itself off for NO_COLOR, FORCE_COLOR=0, pipes and files. Whether stdout is a
 * terminal is asked of the file descriptor, not of `process.stdout`, whose creation loads Node's whole stream
 * stack: a few milliseconds on every start.
 */
import { fstatSync } from 'node:fs';

let enabled: boolean | undefined;

function colour(): boolean {
  enabled ??=
    process.env.NO_COLOR === undefined &&
    process.env.FORCE_COLOR !== '0' &&
    (process.env.FORCE_COLOR !== undefined || isCharacterDevice(1));
  return enabled;
}

function isCharacterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

const wrap = (open: number, close: number) => (text: string) =>
  colour() ? `\x1b[${open}m${text}\x1b[${close}m` : text;

export const style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};
