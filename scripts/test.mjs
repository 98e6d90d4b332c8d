// Runs every test file under test/ with node's own test runner (TypeScript through tsx).
// Node 20's --test does not expand globs, so the files are listed here. Extra arguments narrow the run:
// `node scripts/test.mjs dotenv` runs the files whose path contains "dotenv".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : walk(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The preflight (scripts/preflight.ts, table in scripts/tools.ts): every tool these files need, or one clear list of
// what is missing with the apt-get line, before minutes of failures each naming a tool. As root under CI=true it
// installs them.
const pre = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/preflight.ts', ...files], { stdio: 'inherit' });
if (pre.status !== 0) process.exit(pre.status ?? 1);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
