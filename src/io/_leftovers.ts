/**
 * Cleaning up what other processes left behind (temp files, secrets folders of killed runs): whether their writer
 * still lives, and removal that tolerates a file already gone. Only `node:fs`, so the light paths can use it.
 */
import { unlinkSync } from 'node:fs';

/** Whether a process exists; EPERM means it does, but belongs to someone else. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a file; one that is already gone (or was never created) is not an error. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
