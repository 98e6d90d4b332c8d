/**
 * Terminal styling that switches itself off for NO_COLOR, FORCE_COLOR=0, pipes, files and /dev/null, decided for
 * each stream on its own: `style` for stdout, `styleErr` for stderr, so `envplane check > report.txt` still colours
 * the errors it prints on a terminal, and `2> log` gets none. Whether a stream is a terminal is asked of its file
 * descriptor, not of `process.stdout` or `node:tty`, whose loading pulls in Node's whole stream stack: a few
 * milliseconds on every start.
 */
import { fstatSync, statSync } from 'node:fs';

const enabled: Partial<Record<1 | 2, boolean>> = {};

/** Whether text for this stream is coloured: not for NO_COLOR or FORCE_COLOR=0, else for FORCE_COLOR or a terminal. */
export function colourOn(fd: 1 | 2): boolean {
  enabled[fd] ??=
    process.env.NO_COLOR === undefined &&
    process.env.FORCE_COLOR !== '0' &&
    (process.env.FORCE_COLOR !== undefined || isTerminal(fd));
  return enabled[fd];
}

/** A character device other than /dev/null (also a character device, and where `> /dev/null` points). */
function isTerminal(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isCharacterDevice() && stat.rdev !== statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/** What a standard stream is connected to, for messages that name it ("not printed to a terminal"). */
export function streamKind(fd: 1 | 2): 'terminal' | 'file' | 'pipe' | 'null' | 'other' {
  try {
    const stat = fstatSync(fd);
    if (stat.isFile()) return 'file';
    if (stat.isFIFO() || stat.isSocket()) return 'pipe';
    if (stat.isCharacterDevice()) return stat.rdev === statSync('/dev/null').rdev ? 'null' : 'terminal';
    return 'other';
  } catch {
    return 'other';
  }
}

function palette(fd: 1 | 2) {
  const wrap = (open: number, close: number) => (text: string) =>
    colourOn(fd) ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** For what goes to stdout. */
export const style = palette(1);
/** For what goes to stderr: errors, hints, warnings. */
export const styleErr = palette(2);
