/**
 * A V8 code cache for envplane's own bundles, so that a command's start-up does not re-parse and re-compile the same
 * JavaScript every time (what `module.enableCompileCache()` does from Node 22.1 on; Node 20 has no such switch).
 *
 * Every bundle under `distDir` is compiled with the cached data of its previous run when there is a trusted entry
 * (io/user-cache.ts) for this build, Node version and architecture; V8 checks the data against the source and the
 * flags and rejects what does not match. Entries that were missing or rejected are written when the process exits,
 * after the run, so that they also hold the functions compiled lazily along the way. Files outside `distDir` (a
 * user's own code never runs in this process anyway) go through Node's compiler untouched.
 */
import Module from 'node:module';
import { basename, dirname, relative, sep } from 'node:path';
import { Script } from 'node:vm';
import { cacheName, readUserCache, userCacheDir, writeUserCache } from '../io/user-cache.ts';

interface CompilableModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

/** Installs the cache for bundles under `distDir`; does nothing without a build id or a cache folder. */
export function enableCompileCache(distDir: string, build: string | undefined): void {
  const folder = userCacheDir('compile');
  if (build === undefined || folder === undefined) return;
  const prefix = distDir.endsWith(sep) ? distDir : distDir + sep;
  const proto = Module.prototype as unknown as CompilableModule;
  const compile = proto._compile;
  const stale: { script: Script; file: string }[] = [];
  proto._compile = function (this: CompilableModule, content: string, filename: string) {
    if (!filename.startsWith(prefix)) return compile.call(this, content, filename);
    const name = relative(prefix, filename);
    const file = `${folder}/${basename(name, '.cjs')}-${cacheName(`${build}\0${process.version}\0${process.arch}\0${name}`)}.bin`;
    const cachedData = readUserCache(file);
    // A `#!` line is only valid at the very start of a script, and the wrapper puts code before it.
    const source = content.startsWith('#!') ? `//${content.slice(2)}` : content;
    const script = new Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
    if (cachedData === undefined || script.cachedDataRejected) stale.push({ script, file });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    const require = Module.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  process.once('exit', () => {
    for (const { script, file } of stale) writeUserCache(file, script.createCachedData());
  });
}
