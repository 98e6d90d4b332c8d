// Declarations for package users (dist/types): `envplane` and `envplane/runtime`. TypeScript 7 (the project's
// compiler) keeps `./x.ts` import paths in its .d.ts output, which a consumer's compiler rejects (TS5097), so the
// declarations come from TypeScript 5.9 (the `typescript-5` dev dependency, used for nothing else), with
// tsconfig.types.json. TypeScript 5 keeps the source's `.ts` specifiers too (its rewriteRelativeImportExtensions
// rewrites JavaScript output only), so each relative specifier in the emitted files is rewritten to the `.js` a
// consumer resolves to the `.d.ts` beside it. test/package/types.test.ts packs the package and type-checks a
// consumer against it; @arethetypeswrong/cli and publint check the tarball.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const out = 'dist/types';
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript-5/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

/** `'./x.ts'` / `"../y/z.ts"` in import, export and import() positions → `.js`. Non-relative paths stay. */
const SPECIFIER = /((?:from\s+|import\s*\(\s*|import\s+)(['"]))(\.{1,2}\/[^'"]*?)\.ts\2/g;
let files = 0;
for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const path = join(entry.parentPath, entry.name);
  const text = readFileSync(path, 'utf8');
  const fixed = text.replace(SPECIFIER, (_m, head, quote, spec) => `${head}${spec}.js${quote}`);
  if (/(['"])\.{1,2}\/[^'"]*\.ts\1/.test(fixed)) {
    console.error(`${path}: a relative .ts specifier is left after the rewrite`);
    process.exit(1);
  }
  writeFileSync(path, fixed);
  files++;
}
console.log(`types: ${files} declaration files in ${out}`);
