/**
 * envplane's per-user cache: `$XDG_CACHE_HOME/envplane/<kind>/` (default `~/.cache`). Two kinds live there, both
 * pure functions of inputs that are compared or checked on every use: normalized manifests (`manifests/`) and V8
 * code caches of the CLI's own bundles (`compile/`). Never in a project, where a commit could plant an entry: a
 * relative `XDG_CACHE_HOME` or a home that is not an absolute path (HOME="") turns caching off rather than resolve
 * against the current folder.
 *
 * A cache entry is only an input if it is a regular file of the current user that nobody else can write, in a folder
 * of the current user that nobody else can write: anything else (a link, a foreign or group-writable file or folder)
 * is treated as missing. Writes are best effort: a read-only or missing home costs speed, never a failure.
 * `ENVPLANE_NO_CACHE=1` turns both kinds off.
 *
 * Deliberately not `io/atomic.ts`: that writer loads `node:crypto` and reports located errors, while this one runs
 * on the start-up path of every command (the compile cache is enabled before anything else loads) and fails silently.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { isAlive, unlinkQuietly } from './_leftovers.ts';
import { listDir } from './list.ts';

export type CacheKind = 'manifests' | 'compile';

/** The folder of one kind of entry, or undefined when caching is off or there is no safe place to put it. */
export function userCacheDir(kind: CacheKind): string | undefined {
  if (process.env.ENVPLANE_NO_CACHE) return undefined;
  const xdg = process.env.XDG_CACHE_HOME;
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'envplane', kind);
  let home: string;
  try {
    home = homedir();
  } catch {
    return undefined;
  }
  return isAbsolute(home) ? join(home, '.cache', 'envplane', kind) : undefined;
}

/** Owned by us and writable by nobody else; links are not folders. One lstat per folder per process. */
const trustedDirs = new Map<string, boolean>();
export function isTrustedDir(dir: string): boolean {
  let trusted = trustedDirs.get(dir);
  if (trusted === undefined) {
    try {
      const stat = lstatSync(dir);
      trusted = stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
    } catch {
      trusted = false;
    }
    trustedDirs.set(dir, trusted);
  }
  return trusted;
}

/**
 * The entry's bytes if it can be trusted (see the file comment), else undefined. The checks are made on the open
 * descriptor (O_NOFOLLOW, then fstat), so what is checked is what is read: no link can be swapped in between.
 */
export function readUserCache(file: string): Buffer | undefined {
  if (!isTrustedDir(dirname(file))) return undefined;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) return undefined;
    const bytes = Buffer.allocUnsafe(stat.size);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) return undefined; // shrank while we read: a writer replaced it, take it as missing
      done += n;
    }
    return bytes;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces the entry atomically (a temp file beside it, fsync, rename), mode 0600 in 0700 folders, and only in a
 * trusted folder. The temp name only needs to be unique, not secret: O_EXCL|O_NOFOLLOW refuse anything planted
 * there; one left by a killed process is swept here. Returns whether it worked.
 */
export function writeUserCache(file: string, data: string | Uint8Array): boolean {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  trustedDirs.delete(dir);
  if (!isTrustedDir(dir)) return false;
  sweepTemps(dir);
  const temp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    fchmodSync(fd, 0o600); // whatever the umask
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
    return true;
  } catch {
    if (fd !== undefined) closeSync(fd);
    unlinkQuietly(temp);
    return false;
  }
}

/** Temp files of writers that are gone (killed during their write), and any of our own pid's left by a predecessor. */
function sweepTemps(dir: string): void {
  for (const name of listDir(dir)) {
    const pid = Number(/\.(\d+)\.tmp$/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || !isAlive(pid))) unlinkQuietly(join(dir, name));
  }
}

/** A short, stable file name for a text (FNV-1a, two seeds): entries also store what they are for, and are checked. */
export function cacheName(text: string): string {
  return `${fnv1a(text, 0x811c9dc5)}${fnv1a(text, 0x01000193)}`;
}

function fnv1a(text: string, seed: number): string {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}
