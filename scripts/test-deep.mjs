// The deep run (`npm run test:deep`): build, then the whole suite with ENVPLANE_DEEP=1 (a million round trips,
// hundreds of kills) and ENVPLANE_COUNTS naming a temp file, where tests append one JSON line per thing they
// counted (test/_counts.ts). The totals are the last lines printed; the exit code is non-zero when the suite failed,
// any count has failures, or a count is below its floor.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What each count means, how its failures are called, and the least a deep run must reach. */
const TOTALS = [
  { name: 'roundtrip', label: 'round trips', failures: 'failures', floor: 1_000_000 },
  { name: 'kills', label: 'kills', failures: 'torn or widened files', floor: 500 },
  { name: 'canary', label: 'canary paths', failures: 'hits', floor: 100 },
  { name: 'hostile', label: 'hostile inputs', failures: 'unclean', floor: 50 },
  { name: 'signals', label: 'signals during run', failures: 'envplane died or left secrets', floor: 20 },
  { name: 'faults', label: 'injected I/O errors', failures: 'internal errors or changed trees', floor: 100 },
];

const started = Date.now();
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'envplane-deep-'));
const countsFile = join(dir, 'counts.jsonl');
const suite = spawnSync(process.execPath, ['scripts/test.mjs', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ENVPLANE_DEEP: '1', ENVPLANE_COUNTS: countsFile },
});

let lines = [];
try {
  lines = readFileSync(countsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // No test counted anything: every floor below fails.
}
rmSync(dir, { recursive: true, force: true });

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
let bad = suite.status !== 0;
console.log(`\ndeep run: ${minutes} min, suite ${suite.status === 0 ? 'passed' : `FAILED (exit ${suite.status})`}`);
for (const t of TOTALS) {
  const mine = lines.filter((l) => l.name === t.name);
  const n = mine.reduce((sum, l) => sum + l.n, 0);
  const failures = mine.reduce((sum, l) => sum + l.failures, 0);
  const low = n < t.floor;
  if (low || failures > 0) bad = true;
  console.log(`${t.label}: ${n}, ${t.failures}: ${failures}${low ? ` (below the floor of ${t.floor})` : ''}`);
}
process.exit(bad ? 1 : 0);
