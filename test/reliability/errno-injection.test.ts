/**
 * An I/O error on any step of any command's write path (EIO, ENOSPC, EPERM, EFBIG, and E2BIG where a system call can
 * return it) is a clear error, never "internal error": each command is first run with a tracing preload
 * (test/_faults.cjs) that records every fs call it makes on the project, the audit log and the secrets folder; then
 * once per recorded step with that step failing. Each faulted run must exit 1 or 2 with an `error:` line, print no
 * value, leave no temp file, and leave the tree as it was, unless the log's last line is an intent without an
 * outcome (a change that may have been made, recorded as such) or a migration journal is left to finish it.
 * The normal run fails every write to the audit log and an even spread of the other write steps, one errno each in
 * turn; ENVPLANE_DEEP=1 fails every occurrence of every step (reads included), the audit log's with every errno.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { count } from '../_counts.ts';
import { copyExample, hashTree, REPO, runCli, tempDir } from '../_helpers.ts';
import { fourPlanesWithSecrets } from '../run/_project.ts';

const FAULTS = join(REPO, 'test', '_faults.cjs');
const DEEP = process.env.ENVPLANE_DEEP === '1';
const ERRNOS = ['EIO', 'ENOSPC', 'EPERM', 'EFBIG', 'E2BIG'] as const;

interface Case {
  name: string;
  args: string[];
  /** Makes a fresh project for one run; returns its folder and the values that must never be printed. */
  project: () => { dir: string; canaries: string[] };
}

const fourPlanes = (prep?: (dir: string) => void) => () => {
  const { dir, canaries } = fourPlanesWithSecrets();
  prep?.(dir);
  return { dir, canaries: Object.values(canaries) };
};
const rotated = (dir: string) =>
  assert.equal(runCli(['rotate', 'postgres_password', '--env', 'dev'], { cwd: dir }).code, 0);

const CASES: Case[] = [
  {
    name: 'setup',
    args: ['setup', '--env', 'dev'],
    project: fourPlanes((dir) => {
      rmSync(join(dir, 'secrets', 'secret_key.txt'));
      rmSync(join(dir, 'secrets', 'aws_access_key_id.txt'));
    }),
  },
  { name: 'rotate', args: ['rotate', 'postgres_password', '--env', 'dev'], project: fourPlanes() },
  {
    name: 'rotate --rollback',
    args: ['rotate', 'postgres_password', '--env', 'dev', '--rollback'],
    project: fourPlanes(rotated),
  },
  {
    name: 'rotate --from-stdin',
    args: ['rotate', 'openai_api_key', '--env', 'dev', '--from-stdin'],
    project: fourPlanes(),
  },
  {
    name: 'export -o --include-secrets',
    args: ['export', '--env', 'dev', '--service', 'backend', '--include-secrets', '-o', 'out/app.env'],
    project: fourPlanes(),
  },
  {
    name: 'export --include-secrets --reveal (stdout)',
    args: ['export', '--env', 'dev', '--service', 'backend', '--include-secrets', '--reveal', '-o', '-'],
    project: fourPlanes(),
  },
  { name: 'render k8s -o', args: ['render', 'k8s', '-e', 'dev', '-o', 'out/k8s.yaml'], project: fourPlanes() },
  { name: 'render compose', args: ['render', 'compose', '-e', 'dev'], project: fourPlanes() },
  {
    name: 'run',
    args: ['run', '--env', 'dev', '--service', 'backend', '--', process.execPath, '-e', '0'],
    project: fourPlanes(),
  },
  {
    name: 'migrate',
    args: ['migrate', '--env', 'development'],
    project: () => ({ dir: copyExample('service-scoped'), canaries: [] }),
  },
  {
    name: 'hooks install',
    args: ['hooks', 'install'],
    project: fourPlanes((dir) => execFileSync('git', ['init', '-q', dir])),
  },
];

interface Step {
  op: string;
  /** The path, relative to the project (or to /dev/shm), with the random parts of temp names as patterns. */
  pattern: string;
  nth: number;
  /** Whether it writes (an open for writing, a write, a rename…); reads are failed in the deep run only. */
  write: boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The steps a traced run took on the project, the secrets folder and the audit log, in order. */
function traceSteps(c: Case): Step[] {
  const { dir } = c.project();
  const trace = join(tempDir('envplane-trace-'), 'trace.jsonl');
  writeFileSync(trace, '');
  const r = runCli(c.args, {
    cwd: dir,
    input: 'a-new-value-from-stdin\n',
    env: { NODE_OPTIONS: `--require ${FAULTS}`, ENVPLANE_FAULTS_TRACE: trace },
  });
  assert.ok(r.code === 0, `${c.name} without faults: ${r.stderr}`);
  const seen = new Map<string, number>();
  const steps: Step[] = [];
  for (const line of readFileSync(trace, 'utf8').split('\n').filter(Boolean)) {
    const { op, path, write } = JSON.parse(line) as { op: string; path: string; write: boolean };
    let rel: string;
    if (path.startsWith(`${dir}/`) || path === dir) rel = relative(dir, path);
    else if (path.startsWith('/dev/shm/envplane-run-')) rel = path.slice('/dev/shm/'.length);
    else continue;
    const pattern = `(^|/)${escapeRegExp(rel)
      .replace(/\\\.envplane-tmp-\d+-(?:[0-9a-f]+-)?/g, '\\.envplane-tmp-\\d+-(?:[0-9a-f]+-)?')
      .replace(/envplane-run-\d+-[A-Za-z0-9]{6}/g, 'envplane-run-\\d+-[A-Za-z0-9]{6}')}$`;
    const key = `${op} ${pattern}`;
    const nth = (seen.get(key) ?? 0) + 1;
    seen.set(key, nth);
    steps.push({ op, pattern, nth, write });
  }
  return steps;
}

const TEMP = /\.envplane-tmp-/;

function tempFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => TEMP.test(f) && !f.includes('.git/'));
}

function lastAuditPhase(dir: string): string | undefined {
  const log = join(dir, '.envplane', 'audit.log');
  if (!existsSync(log)) return undefined;
  const last = readFileSync(log, 'utf8').trim().split('\n').at(-1);
  try {
    return (JSON.parse(last ?? '') as { phase?: string }).phase;
  } catch {
    return undefined;
  }
}

/** The tree without what a failed command may legitimately add: its audit lines and the log's anchor, empty folders. */
function comparable(tree: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, hash] of Object.entries(tree)) {
    if (path === '.envplane/audit.log' || path === '.envplane/state.json' || path === '.envplane/lock') continue;
    if (hash.startsWith('dir:')) continue;
    out[path] = hash;
  }
  return out;
}

describe('errno injection on every write path', { concurrency: 2 }, () => {
  for (const c of CASES)
    test(`${c.name}: every step failing is a located error, never an internal one; the tree as it was`, () => {
      const steps = traceSteps(c);
      assert.ok(steps.length > 0, `${c.name} touched nothing`);
      // The normal run: every write to the audit log, and an even spread of the other distinct write steps.
      const writes = steps.filter((s) => s.write && s.nth === 1 && !/audit\.log/.test(s.pattern));
      const every = Math.max(1, Math.ceil(writes.length / 8));
      const distinct = DEEP
        ? steps
        : [
            ...steps.filter((s) => s.write && /audit\.log/.test(s.pattern)),
            ...writes.filter((_, i) => i % every === 0),
          ];
      let runs = 0;
      let bad = 0;
      for (const [index, step] of distinct.entries()) {
        // The audit log's steps with every errno; each other step with one, in turn (all of them in the deep run).
        const errnos = DEEP && /audit\.log/.test(step.pattern) ? ERRNOS : [ERRNOS[index % ERRNOS.length]!];
        for (const errno of errnos) {
          const { dir, canaries } = c.project();
          const before = comparable(hashTree(dir));
          const r = runCli(c.args, {
            cwd: dir,
            input: 'a-new-value-from-stdin\n',
            env: {
              NODE_OPTIONS: `--require ${FAULTS}`,
              ENVPLANE_FAULTS: JSON.stringify([{ op: step.op, pattern: step.pattern, nth: step.nth, errno }]),
            },
          });
          runs++;
          const what = `${c.name}, ${step.op} #${step.nth} on ${step.pattern} fails with ${errno}`;
          try {
            assert.doesNotMatch(r.stderr, /internal error/, `${what}: ${r.stderr}`);
            // Some steps are allowed to fail quietly (removing a stale temp file, a cache, the orphan sweep): then
            // the command succeeds and the tree is whatever success means.
            if (r.code !== 0) {
              assert.ok(r.code === 1 || r.code === 2, `${what}: exit ${r.code}`);
              assert.match(r.stderr, /error: /, what);
              assert.deepEqual(tempFiles(dir), [], `${what}: a temp file was left`);
              const after = comparable(hashTree(dir));
              const recorded = lastAuditPhase(dir) === 'intent' || existsSync(join(dir, '.envplane', 'migrate.json'));
              if (!recorded) assert.deepEqual(after, before, `${what}: the tree changed`);
            }
            for (const v of canaries)
              if (!c.args.includes('--reveal')) assert.ok(!`${r.stdout}${r.stderr}`.includes(v), `${what}: a value`);
              else assert.ok(!r.stderr.includes(v), `${what}: a value on stderr`);
          } catch (error) {
            bad++;
            count('faults', 1, 1, 'test/reliability/errno-injection.test.ts');
            throw error;
          }
        }
      }
      count('faults', runs, 0, 'test/reliability/errno-injection.test.ts');
      assert.equal(bad, 0);
    });
});
