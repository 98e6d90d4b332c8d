/**
 * The test suite itself: it must pass on a busy 2-core machine and on every run. So no assertion depends on how long
 * something took (CPU-time growth ratios live in `npm run bench`, bench/growth.ts), and no assertion depends on a
 * fresh random draw (tests draw from test/_random.ts's seeded generator, whose seed is printed). A line that needs
 * real randomness (a canary that must be unique across test files running at once) says why with `unseeded:` on
 * that line or the one above. fast-check properties are seeded by fast-check, which prints the seed on failure.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../_helpers.ts';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : files(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const SELF = relative(REPO, import.meta.filename ?? '');
const SOURCES = files(join(REPO, 'test'))
  .map((p) => ({ path: relative(REPO, p), lines: readFileSync(p, 'utf8').split('\n') }))
  .filter((f) => f.path !== SELF);

/** Lines of test code that match `pattern`, as `path:line: text`. */
function offenders(pattern: RegExp, allowed: (file: { path: string; lines: string[] }, i: number) => boolean) {
  const out: string[] = [];
  for (const f of SOURCES)
    f.lines.forEach((line, i) => {
      if (pattern.test(line) && !allowed(f, i)) out.push(`${f.path}:${i + 1}: ${line.trim()}`);
    });
  return out;
}

const marked = (f: { lines: string[] }, i: number) =>
  /unseeded:/.test(f.lines[i]!) || /unseeded:/.test(f.lines[i - 1] ?? '');

test('no test measures CPU or wall time to decide a pass (growth checks are in the bench)', () => {
  const timing = offenders(/process\.cpuUsage|\/proc\/self\/stat|growthRatio|\bhrtime\b/, () => false);
  assert.deepEqual(timing, []);
  // An upper bound on elapsed wall time fails when the machine is busy; a lower bound (a wait lasted at least its
  // timeout) cannot, so only `<` comparisons of elapsed time in assertions are refused.
  const bounds = offenders(/assert.*(Date\.now\(\)|performance\.now\(\))[^,]*</, () => false);
  assert.deepEqual(bounds, []);
});

test('no assertion depends on an unseeded random draw', () => {
  assert.deepEqual(
    offenders(/Math\.random\(/, () => false),
    [],
    'use mulberry32(TEST_SEED) from test/_random.ts',
  );
  // Files that import node:crypto's random functions mark each draw with the reason it must be fresh.
  const drawing = SOURCES.filter((f) =>
    /import\s*\{[^}]*\b(randomBytes|randomInt|randomUUID|getRandomValues)\b[^}]*\}\s*from\s*'node:crypto'/.test(
      f.lines.join('\n'),
    ),
  );
  const unmarked: string[] = [];
  for (const f of drawing)
    f.lines.forEach((line, i) => {
      if (/\b(randomBytes|randomInt|randomUUID|getRandomValues)\(/.test(line) && !marked(f, i))
        unmarked.push(`${f.path}:${i + 1}: ${line.trim()}`);
    });
  assert.deepEqual(unmarked, [], 'draw from seededBytes() in test/_random.ts, or say why with `unseeded:`');
});

test('the offender search finds what it looks for (so the two tests above can fail)', () => {
  const probe = { path: 'probe.ts', lines: ['const x = Math.random();', 'assert.ok(Date.now() - t < 15_000);'] };
  SOURCES.push(probe);
  try {
    assert.equal(offenders(/Math\.random\(/, () => false).length, 1);
    assert.equal(offenders(/assert.*(Date\.now\(\)|performance\.now\(\))[^,]*</, () => false).length, 1);
  } finally {
    SOURCES.pop();
  }
});
