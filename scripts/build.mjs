// Bundles the CLI, the library and the runtime (`envplane/runtime`) with esbuild.
// Commands are split into lazy chunks so that `envplane <cmd>` only loads what <cmd> needs: start-up time is a feature.
// dist/ is not wiped first (a test or a second build may be running from it); stale chunks are removed afterwards.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const result = await build({
  entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts', runtime: 'src/runtime/index.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // yaml ships CommonJS for Node; its `require('process')` needs a real require inside an ES module bundle.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __envplaneRequire } from 'node:module';\nconst require = __envplaneRequire(import.meta.url);",
  },
});

const fresh = new Set(Object.keys(result.metafile.outputs).map((p) => relative('dist', p)));
for (const entry of readdirSync('dist', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const rel = relative('dist', join(entry.parentPath ?? entry.path, entry.name));
  if (!fresh.has(rel)) rmSync(join('dist', rel), { force: true });
}
