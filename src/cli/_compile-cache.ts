/**
 * A V8 code cache for envplane's own bundles, so that a command's start-up does not re-parse and re-compile the same
 * JavaScript every time (what `module.enableCompileCache()` does from Node 22.1 on; Node 20 has no such switch).
 *
 * Every bundle under `distDir` is compiled with the cached data of its previous run when there is a trusted entry
 * (io/user-cache.ts). V8 checks little of that data itself (its version, its flags and the source's length), so
 * each entry starts with a header saying what it was made from, compared before V8 sees the bytes: the build, Node
 * and V8 versions, the executable and architecture, the bundle's path, and the bundle file's size, mtime and inode,
 * so an edited bundle (even one of the same length) is compiled afresh. Entries that were missing or rejected are
 * written when the process exits, after the run, so that they also hold the functions compiled lazily along the way.
 *
 * Files outside `distDir` (a user's own code never runs in this process anyway) go through Node's compiler untouched,
 * and so does everything when a Node policy (`--experimental-policy`) is in force, whose integrity checks this would
 * bypass. Each key has its own folder; folders of other keys unused for 30 days are removed when one is written.
 */
import { rmSync, statSync } from 'node:fs';
import type ModuleClass from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { Script } from 'node:vm';
import { cacheName, isTrustedDir, readUserCache, userCacheDir, writeUserCache } from '../io/user-cache.ts';
import { listDir } from '../io/list.ts';

interface CompilableModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

const MAGIC = 'envplane-v8-cache 1\n';
const PRUNE_AFTER_MS = 30 * 24 * 3600 * 1000;

/**
 * Installs the cache for bundles under `distDir`; does nothing without a build id, a bundle folder or a cache folder.
 * CommonJS's own `module.constructor` is Node's Module class: requiring `node:module` would also load the ES module
 * loader, a fifth of a millisecond on every start for nothing.
 */
export function enableCompileCache(distDir: string | undefined, build: string | undefined): void {
  const Module = (typeof module === 'object' ? module.constructor : undefined) as typeof ModuleClass | undefined;
  const root = userCacheDir('compile');
  if (Module === undefined || distDir === undefined || build === undefined || root === undefined) return;
  if (policyInForce()) return;
  const key = [build, process.version, process.versions.v8, process.execPath, process.arch].join('\0');
  const folder = join(root, cacheName(key));
  const prefix = distDir.endsWith(sep) ? distDir : distDir + sep;
  const proto = Module.prototype as unknown as CompilableModule;
  const compile = proto._compile;
  const stale: { script: Script; file: string; header: string }[] = [];
  proto._compile = function (this: CompilableModule, content: string, filename: string) {
    if (!filename.startsWith(prefix)) return compile.call(this, content, filename);
    const name = relative(prefix, filename);
    const file = join(folder, `${name.replaceAll(sep, '-')}.bin`);
    const header = headerFor(key, name, filename);
    const cachedData = header === undefined ? undefined : payload(readUserCache(file), header);
    // A `#!` line is only valid at the very start of a script, and the wrapper puts code before it.
    const source = content.startsWith('#!') ? `//${content.slice(2)}` : content;
    const script = new Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
    if (header !== undefined && (cachedData === undefined || script.cachedDataRejected))
      stale.push({ script, file, header });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    const require = Module.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  process.on('exit', () => {
    if (stale.length === 0) return;
    for (const { script, file, header } of stale.splice(0))
      writeUserCache(file, Buffer.concat([Buffer.from(header, 'utf8'), script.createCachedData()]));
    pruneOtherKeys(root, folder);
  });
}

/** What an entry must have been made from: the key, the bundle's name, and its file as it is now. */
function headerFor(key: string, name: string, filename: string): string | undefined {
  try {
    const stat = statSync(filename);
    return `${MAGIC}${JSON.stringify([key, name, stat.size, stat.mtimeMs, stat.ino])}\n`;
  } catch {
    return undefined;
  }
}

/** The V8 data after the header, if the header is exactly the expected one. */
function payload(entry: Buffer | undefined, header: string): Buffer | undefined {
  if (entry === undefined) return undefined;
  const expected = Buffer.from(header, 'utf8');
  if (entry.length <= expected.length || !entry.subarray(0, expected.length).equals(expected)) return undefined;
  return entry.subarray(expected.length);
}

function policyInForce(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((flag) => flag.startsWith('--experimental-policy') || flag.startsWith('--policy-integrity'));
}

/** Folders of other builds or Node versions, untouched for 30 days: upgrades do not leave the cache growing. */
function pruneOtherKeys(root: string, keep: string): void {
  if (!isTrustedDir(root)) return;
  for (const name of listDir(root)) {
    const path = join(root, name);
    if (path === keep || !/^[0-9a-f]{16}$/.test(name)) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > PRUNE_AFTER_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // raced with another envplane's prune
    }
  }
}
