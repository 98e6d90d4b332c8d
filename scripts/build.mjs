// Builds dist/ with esbuild: the CLI, the library and the runtime (`envplane/runtime`).
//
// The CLI is CommonJS, one bundle for `main` and one per command, which `main` requires only when that command
// runs (through a V8 code cache, src/cli/_compile-cache.ts). CommonJS because Node 20's ES module loader costs
// several milliseconds of start-up on its own (it reads files through the stream stack), and start-up time is a
// feature. A bundle per command duplicates shared code on disk, never in memory: only one command loads per process.
//
// dist/ is not wiped first (a test or a second build may be running from it); stale files are removed afterwards.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const commands = readdirSync('src/cli/commands')
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

const MAIN = join('src', 'cli', 'main.ts');
const REGISTRY = join('src', 'cli', 'commands.ts');

/** Local dynamic imports anywhere in src/: each target becomes its own bundle, so that lazy code stays lazy. */
const DYNAMIC = /import\('(\.{1,2}\/[^']+)\.ts'\)/g;
const lazyTargets = new Map(); // absolute source path → bundle name
for (const entry of readdirSync('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  if (file === REGISTRY) continue;
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(DYNAMIC)) {
    const target = resolve(dirname(file), `${spec}.ts`);
    lazyTargets.set(target, `_lazy-${relative('src', target).slice(0, -3).replaceAll(sep, '-')}`);
  }
}

/**
 * CommonJS has no code splitting, and a dynamic `import()` of a file would go through the ES module loader that
 * this build avoids. So, in source text: the registry's `import('./commands/<name>.ts').then((m) => m.default)`
 * becomes a `require` of that command's bundle, and every other local `import('./x.ts')` a `require` of x's own
 * bundle. All of them sit in dist/commands/: the same relative path from every command bundle, and `commands/` more
 * from main.cjs, one level up.
 */
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onResolve({ filter: /^\.\/(commands\/)?[\w-]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (args.path.endsWith(REGISTRY)) {
        const pattern = /import\('\.\/commands\/([\w-]+)\.ts'\)\.then\(\(m\) => m\.default\)/g;
        const found = [...source.matchAll(pattern)].length;
        if (found !== commands.length)
          throw new Error(`commands.ts registers ${found} commands, src/cli/commands has ${commands.length}`);
        // main.cjs is one level above the command bundles.
        return {
          contents: source.replace(pattern, "Promise.resolve(require('./commands/$1.cjs').default)"),
          loader: 'ts',
        };
      }
      if (!DYNAMIC.test(source)) return undefined;
      // main.cjs sits one level above the lazy bundles; the build checks below that main.ts is the only file in it
      // with lazy imports.
      const from = args.path.endsWith(MAIN) ? './commands/' : './';
      const contents = source.replace(DYNAMIC, (_, spec) => {
        const name = lazyTargets.get(resolve(dirname(args.path), `${spec}.ts`));
        return `Promise.resolve(require('${from}${name}.cjs'))`;
      });
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Dependencies that load a built-in lazily (`await import("node:http")`, as the AWS SDK does) would put an `import()`
 * into a bundle, which the compile cache cannot run (see the check below): in node_modules, such an import of a
 * built-in becomes a `require` of it, which is what CommonJS does anyway.
 */
const builtinImports = {
  name: 'builtin-imports',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.(c|m)?js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const pattern = /\bimport\((["'])(node:[\w/]+)\1\)/g;
      if (!pattern.test(source)) return undefined;
      return { contents: source.replace(pattern, 'Promise.resolve(require($1$2$1))'), loader: 'js' };
    });
  },
};

const common = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

/**
 * A digest of everything this build reads, compiled in as `__ENVPLANE_BUILD__` (src/build.ts): the caches key their
 * entries on it, so they never serve one build's results to another. Sources are read in a fixed order.
 */
function buildId() {
  const hash = createHash('sha256');
  const files = readdirSync('src', { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of [...files, 'package-lock.json', 'scripts/build.mjs']) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

const cli = await build({
  ...common,
  entryPoints: {
    cli: MAIN,
    ...Object.fromEntries(commands.map((c) => [`commands/${c}`, `src/cli/commands/${c}.ts`])),
    ...Object.fromEntries([...lazyTargets].map(([path, name]) => [`commands/${name}`, path])),
  },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  plugins: [lazyRequires, builtinImports],
  // `import.meta.url` has no CommonJS twin; the bundle's own file URL is what source code means by it.
  define: { __ENVPLANE_BUILD__: JSON.stringify(buildId()) },
  // The `#!` line of cli.cjs comes from main.ts; the other bundles are only ever required. No `import.meta` in the
  // CLI's sources: CommonJS has none (the check below refuses it).
  banner: { js: "'use strict';" },
});

// The compile cache compiles the CLI bundles with vm.Script, where Node 20 cannot run an `import()` without an
// experimental flag: a dynamic import of a package or built-in must be a static import or a require instead.
for (const output of Object.keys(cli.metafile.outputs)) {
  const text = readFileSync(output, 'utf8');
  if (/\bimport\(/.test(text))
    throw new Error(`${output} contains a dynamic import(), which fails under the compile cache: import it statically`);
  if (/\bimport\.meta\b/.test(text)) throw new Error(`${output} uses import.meta, which CommonJS does not have`);
}

const rootInputs = Object.keys(cli.metafile.outputs['dist/cli.cjs']?.inputs ?? {});
for (const input of rootInputs)
  if (input.startsWith('src/') && input !== MAIN && input !== REGISTRY && readFileSync(input, 'utf8').match(DYNAMIC))
    throw new Error(`${input} has a lazy import() and is bundled into dist/cli.cjs: only main.ts may have one there`);

const lib = await build({
  ...common,
  entryPoints: { index: 'src/index.ts', runtime: 'src/runtime/index.ts' },
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // yaml ships CommonJS for Node; its `require('process')` needs a real require inside an ES module bundle.
  banner: {
    js: "import { createRequire as __envplaneRequire } from 'node:module';\nconst require = __envplaneRequire(import.meta.url);",
  },
});

const fresh = new Set(
  [...Object.keys(cli.metafile.outputs), ...Object.keys(lib.metafile.outputs)].map((p) => relative('dist', p)),
);
for (const entry of readdirSync('dist', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const rel = relative('dist', join(entry.parentPath ?? entry.path, entry.name));
  if (!fresh.has(rel)) rmSync(join('dist', rel), { force: true });
}
