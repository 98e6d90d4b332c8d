/**
 * Writing a command's result to stdout without creating `process.stdout` (its stream stack costs start-up time).
 * A pipe that the reader left non-blocking can refuse a synchronous write (EAGAIN); the rest then goes through the
 * stream, which waits for the reader.
 */
import { writeSync } from 'node:fs';

export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset, bytes.length - offset);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // The reader went away (`envplane env | head -1`): stop quietly, as other command-line tools do.
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') throw error;
    process.stdout.write(bytes.subarray(offset));
  }
}
