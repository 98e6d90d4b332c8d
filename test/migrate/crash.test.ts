/**
 * SIGKILL `envplane migrate` at random moments (20 times, 200 with ENVPLANE_DEEP=1), alternating the two kinds of
 * migration. After every kill: no key is lost (every instance still resolves to the same values; the legacy file
 * is intact or everything it held is in its new place), the tree is either untouched, mid-migration with its
 * journal, or completed — and a plain re-run finishes the job, ending in exactly the tree of an uninterrupted run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, it } from 'node:test';
import { loadProject } from '../../src/project/load.ts';
import { findEnvironment } from '../../src/resolve/instances.ts';
import { storeLocation } from '../../src/resolve/secrets.ts';
import { readSecretValue } from '../../src/stores/read.ts';
import { count } from '../_counts.ts';
import { CLI, hashProject, hashTree, REPO, runCli, tempDir } from '../_helpers.ts';
import { mulberry32, TEST_SEED } from '../_random.ts';
import { expected, LEGACY, legacyProject, receivedValues } from './_fixtures.ts';

const JOURNAL = '.envplane/migrate.json';
const KILLS = process.env.ENVPLANE_DEEP === '1' ? 200 : 20;
/** Few at a time: the checks between kills are synchronous and would delay the other runs' kill timers. */
const CONCURRENCY = 2;
/** Where each kill is aimed is drawn from a seeded generator (printed); when it lands still depends on the load. */
const random = mulberry32(TEST_SEED);

type Kind = 'layers' | 'file';

interface Scenario {
  kind: Kind;
  args: string[];
  fresh: () => string;
}

const scenarios: Record<Kind, Scenario> = {
  layers: {
    kind: 'layers',
    args: ['migrate', '--env', 'development'],
    fresh: () => {
      const dir = tempDir('envplane-crash-');
      cpSync(join(REPO, 'examples', 'service-scoped'), dir, { recursive: true });
      return dir;
    },
  },
  file: {
    kind: 'file',
    args: ['migrate', '.env.development', '--env', 'dev', '--service', 'app', '--remove-old'],
    fresh: legacyProject,
  },
};

/**
 * The tree without the audit log (its lines carry times) and its anchor, the lock (a killed run leaves it; the next
 * breaks it), and a temp file a kill left in .envplane/ while the anchor was written (the next run removes it).
 */
function stateTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(hashProject(dir)).filter(
      ([p]) => p !== '.envplane/lock' && !p.startsWith('.envplane/.envplane-tmp-'),
    ),
  );
}

/** The tree without envplane's own state folder and temp files: what "nothing changed" compares. */
function userTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(hashTree(dir)).filter(([p]) => !p.startsWith('.envplane/') && !p.includes('.envplane-tmp-')),
  );
}

/** Runs to the end; `window` is how long the writes took (from the journal's appearance to the exit). */
async function timeRun(dir: string, args: string[]): Promise<{ whole: number; window: number }> {
  const start = performance.now();
  let journalAt: number | undefined;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'ignore' });
  const poll = setInterval(() => {
    if (journalAt === undefined && existsSync(join(dir, JOURNAL))) journalAt = performance.now();
  }, 1);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  const end = performance.now();
  assert.equal(code, 0);
  return { whole: end - start, window: Math.max(5, end - (journalAt ?? start)) };
}

/**
 * Starts a migration and kills it: a fifth of the time at a random moment of the whole run (before, during or after
 * the writes), otherwise at a random moment after its journal appears, when files are being written.
 */
function runAndKill(dir: string, args: string[], ref: { whole: number; window: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'ignore' });
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    if (random() < 0.2) timer = setTimeout(() => child.kill('SIGKILL'), random() * ref.whole * 1.1);
    else
      poll = setInterval(() => {
        if (!existsSync(join(dir, JOURNAL))) return;
        clearInterval(poll);
        timer = setTimeout(() => child.kill('SIGKILL'), random() * ref.window);
      }, 1);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve(signal === 'SIGKILL');
    });
  });
}

/** Nothing is lost: the invariant that must hold at every kill point. */
function assertNoKeyLost(kind: Kind, dir: string, before: unknown): void {
  if (kind === 'layers') {
    assert.deepEqual(receivedValues(dir), before, 'an instance receives other values after a kill');
    return;
  }
  if (existsSync(join(dir, '.env.development'))) {
    assert.equal(readFileSync(join(dir, '.env.development'), 'utf8'), LEGACY, 'the legacy file was changed');
    return;
  }
  // The legacy file is gone only as the very last step: everything it held must be in its new place.
  const project = loadProject({ dir, lookup: {} });
  const environment = findEnvironment(project.manifest, 'development');
  const config: Record<string, string> = {};
  for (const layer of environment.config) for (const e of project.layers[layer] ?? []) config[e.key] = e.value;
  for (const [key, value] of Object.entries(expected)) {
    const k = project.manifest.keys[key] ?? project.manifest.keys[key.toLowerCase()];
    assert.ok(k, `${key} is declared`);
    if (k.plane === 'secret') assert.equal(readSecretValue(dir, storeLocation(environment, k)), value, key);
    else assert.equal(config[key], value, key);
  }
}

describe(`migrate survives SIGKILL at random points (${KILLS} kills)`, () => {
  it('never loses a key, and a re-run finishes the job', async () => {
    type Reference = {
      initial: Record<string, string>;
      final: Record<string, string>;
      whole: number;
      window: number;
      before: unknown;
    };
    const reference = {} as Record<Kind, Reference>;
    for (const kind of ['layers', 'file'] as const) {
      const s = scenarios[kind];
      const dir = s.fresh();
      const initial = userTree(dir);
      const before = kind === 'layers' ? receivedValues(dir) : undefined;
      const { whole, window } = await timeRun(dir, s.args);
      reference[kind] = { initial, final: stateTree(dir), whole, window, before };
    }
    const states = { untouched: 0, journal: 0, completed: 0 };
    let next = 0;
    const worker = async () => {
      while (next < KILLS) {
        const i = next++;
        const kind: Kind = i % 2 === 0 ? 'layers' : 'file';
        const s = scenarios[kind];
        const ref = reference[kind];
        const dir = s.fresh();
        const killed = await runAndKill(dir, s.args, ref);
        try {
          assertNoKeyLost(kind, dir, ref.before);
        } catch (err) {
          if (killed) count('kills', 1, 1, 'migrate');
          throw err;
        }
        if (killed) count('kills', 1, 0, 'migrate');
        const journal = existsSync(join(dir, '.envplane', 'migrate.json'));
        const tree = stateTree(dir);
        if (journal) states.journal++;
        else if (isDeepStrictEqual(tree, ref.final)) states.completed++;
        else {
          assert.deepEqual(userTree(dir), ref.initial, `kill ${i} (${kind}) left a partial tree without a journal`);
          states.untouched++;
        }
        // A finished file migration removed its file: there is nothing left to re-run.
        if (kind === 'file' && !journal && isDeepStrictEqual(tree, ref.final)) continue;
        const rerun = runCli(s.args, { cwd: dir });
        assert.equal(rerun.code, 0, rerun.stderr);
        if (journal) assert.match(rerun.stdout, /finished an interrupted migration/);
        assert.deepEqual(
          stateTree(dir),
          ref.final,
          `kill ${i} (${kind}): the re-run did not end where an uninterrupted run does`,
        );
        assertNoKeyLost(kind, dir, ref.before);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `# kills: ${KILLS} (seed ${TEST_SEED}); left untouched ${states.untouched}, mid-migration ${states.journal}, completed ${states.completed}`,
    );
    assert.equal(states.untouched + states.journal + states.completed, KILLS);
    assert.ok(states.journal > 0, 'no kill landed in the middle of a migration; the test proves nothing');
  });
});
