/** Reading project files: absent files are data (undefined), other failures are located errors. */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { EnvplaneError } from '../errors.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads UTF-8 text; invalid UTF-8 is an error (a silent U+FFFD would change a value that Compose reads).
 * `noFollow` refuses a symbolic link in the same system call that opens the file, so it cannot be swapped in
 * between a check and the read (secret files). `noFollow` and `regularOnly` read regular files only: a FIFO or a device
 * is refused instead of read (opening a FIFO would wait for a writer forever, a device may never end).
 */
export function readTextIfExists(
  absolutePath: string,
  shownAs: string,
  options: {
    noFollow?: boolean;
    regularOnly?: boolean;
    label?: string;
    /** Called with the opened descriptor's status before anything is read (with `noFollow` or `regularOnly`); may throw. */
    onOpen?: (stat: Stats) => void;
  } = {},
): string | undefined {
  let bytes: Buffer;
  try {
    bytes =
      options.noFollow || options.regularOnly
        ? readRegular(absolutePath, options.noFollow === true, options.onOpen)
        : readFileSync(absolutePath);
  } catch (error) {
    if (error instanceof EnvplaneError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP')
      throw new EnvplaneError('input', `${options.label ?? 'file'} ${shownAs} is a symbolic link`, {
        location: { file: shownAs },
        hint: 'secret files must be regular files inside the project; replace the link with the file',
      });
    if (code === 'EISDIR')
      throw new EnvplaneError('input', `${shownAs} is a directory, not a file`, {
        location: { file: shownAs },
        hint: 'point the manifest at a file; a layer or secret is one file',
      });
    if (code === NOT_REGULAR)
      throw new EnvplaneError('input', `${options.label ?? 'file'} ${shownAs} is not a regular file`, {
        location: { file: shownAs },
        hint: 'a FIFO, socket or device is never read; replace it with a regular file',
      });
    if (code === 'ERR_FS_FILE_TOO_LARGE') throw tooLarge(shownAs);
    if (code === 'EACCES')
      throw new EnvplaneError('input', `cannot read ${shownAs}: permission denied`, {
        location: { file: shownAs },
        hint: 'check the file mode and owner',
      });
    throw new EnvplaneError('input', `cannot read ${shownAs}: ${code ?? 'unknown error'}`, {
      location: { file: shownAs },
    });
  }
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    // Node cannot hold a string of more than about 512 MB: that is a size, not an encoding, problem.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') throw tooLarge(shownAs, bytes.length);
    const line = firstInvalidLine(bytes);
    throw new EnvplaneError('input', 'the file is not valid UTF-8', {
      location: { file: shownAs, line },
      hint: 'save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`)',
    });
  }
}

function tooLarge(shownAs: string, bytes?: number): EnvplaneError {
  const size = bytes === undefined ? 'over 2 GB' : `${Math.round(bytes / 1_048_576)} MB`;
  return new EnvplaneError('input', `the file is too large to read (${size})`, {
    location: { file: shownAs },
    hint: 'manifests, layer and secret files are small text files; check that the path names the right file',
  });
}

function firstInvalidLine(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        strictUtf8.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

/** The code `readRegular` throws for a FIFO, socket or device (a directory keeps the system's EISDIR). */
const NOT_REGULAR = 'ENOTREGULAR';

/**
 * Opens without blocking (a FIFO opens at once instead of waiting for a writer), checks on the open descriptor that
 * it is a regular file, then reads it. `noFollow` refuses a symbolic link in the open itself (ELOOP).
 */
function readRegular(path: string, noFollow: boolean, onOpen?: (stat: Stats) => void): Buffer {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0);
  const fd = openSync(path, flags);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: NOT_REGULAR });
    onOpen?.(stat);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
