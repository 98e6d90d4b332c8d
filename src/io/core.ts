/**
 * No core dump of envplane's memory. A core file (`ulimit -c unlimited`, a core-dumping signal, or a crash) would
 * hold every secret value envplane read. Without native code Node cannot call prctl(PR_SET_DUMPABLE) or setrlimit,
 * but Linux lets a process choose which of its memory goes into a core: `/proc/self/coredump_filter` (a bit per kind
 * of mapping; 0 means none: a core, if one is written at all, holds registers and the list of mapped files, not the
 * heap). One small write, about as costly as a stat, where `prlimit --pid <own pid> --core=0` would spawn a process
 * (a millisecond or more) and would not stop a piped core handler (core_pattern `|…`), which ignores RLIMIT_CORE.
 *
 * The filter is inherited by every child and kept across execve, so `run` gives its child the user's own value back
 * (`restoreCoreFilter`): a program's core dumps are the user's business, not envplane's. Elsewhere (no /proc, or a
 * kernel without the file) there is nothing to do and nothing fails.
 */
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';

const FILTER = '/proc/self/coredump_filter';
/** Shared by every bundle of the CLI (main sets it, run reads it): one process, one filter. */
const SAVED = Symbol.for('envplane.coredump_filter');

type Saved = { [SAVED]?: string };

/** Sets this process's core-dump filter to 0, remembering the value it had; later calls change nothing. */
export function excludeMemoryFromCores(): void {
  const global = globalThis as Saved;
  if (global[SAVED] !== undefined) return;
  let fd: number;
  try {
    fd = openSync(FILTER, constants.O_RDWR);
  } catch {
    return; // no /proc, or not Linux
  }
  try {
    const buffer = Buffer.alloc(32);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const before = buffer.subarray(0, read).toString('latin1').trim();
    writeSync(fd, '0', 0);
    global[SAVED] = before;
  } catch {
    // a kernel without the file's write side: nothing else to do without native code
  } finally {
    closeSync(fd);
  }
}

/** The filter this process had before `excludeMemoryFromCores` (undefined when it did not change it). */
export function originalCoreFilter(): string | undefined {
  return (globalThis as Saved)[SAVED];
}

/**
 * Gives a child the filter the user had. It inherited envplane's 0 at fork; written here, right after spawn, the value
 * holds for the program the child execs (the kernel copies it into the new image). A child that is already gone, or
 * one that changed its own filter meanwhile, simply keeps what it has.
 */
export function restoreCoreFilter(pid: number | undefined): void {
  const before = originalCoreFilter();
  if (pid === undefined || before === undefined || before === '0' || /^0+$/.test(before)) return;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/coredump_filter`, constants.O_WRONLY);
  } catch {
    return;
  }
  try {
    writeSync(fd, `0x${before}`);
  } catch {
    // exited meanwhile
  } finally {
    closeSync(fd);
  }
}
