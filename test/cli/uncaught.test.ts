/**
 * An error nobody catches — thrown from a callback, or a rejected promise nobody awaits — leaves the CLI through its
 * value-safe reporter (the error's type, never its message), not through Node's default report, which prints the
 * message and an excerpt of the source. A preloaded module plays the bug: it fails on the first turn of the loop.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, copyExample, REPO, runCli, tempDir } from '../_helpers.ts';

const CANARY = 'qZ7canary-in-an-error-message';

describe('errors nobody catches', () => {
  const dir = tempDir('envplane-uncaught-');
  const cases = {
    'a rejected promise nobody awaits': `setImmediate(() => { Promise.reject(new Error(${JSON.stringify(CANARY)})); });`,
    'an exception thrown from a callback': `setImmediate(() => { throw new Error(${JSON.stringify(CANARY)}); });`,
  };
  for (const [name, body] of Object.entries(cases))
    test(`${name}: exit 1, the type only, also with --debug`, () => {
      const preload = join(dir, `${name.replaceAll(' ', '-')}.cjs`);
      writeFileSync(preload, `${body}\n`);
      for (const debug of [[], ['--debug']]) {
        const r = runCli(['env', '--env', 'dev', '--service', 'backend', ...debug], {
          cwd: join(REPO, 'examples', 'four-planes'),
          env: { NODE_OPTIONS: `--require ${preload}` },
        });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /internal error: Error; this is a bug in envplane/);
        assert.ok(!`${r.stdout}${r.stderr}`.includes(CANARY), `the message was printed: ${r.stderr}`);
      }
    });
});

describe('a reader that closes the pipe before envplane writes', () => {
  // `envplane check | head -1`: the rest of the output is dropped and the command keeps its own exit code. A write
  // through process.stdout raised an EPIPE nobody caught: "internal error", exit 1.
  const dir = copyExample('four-planes');
  for (const args of [
    ['check'],
    ['check', '--format', 'sarif'],
    ['audit'],
    ['--help'],
    ['render', '--help'],
    ['env', '--env', 'dev', '--service', 'backend', '--json'],
    ['render', 'compose', '--env', 'dev'],
    ['export', '--env', 'dev', '--service', 'worker', '-o', '-'],
  ])
    test(`envplane ${args.join(' ')}`, () => {
      const alone = runCli(args, { cwd: dir });
      // The reader closes its end at once; envplane writes tens of milliseconds later, into a pipe nobody reads.
      const r = spawnSync(
        'bash',
        ['-c', '"$@" | (exec 0<&-); echo "exit ${PIPESTATUS[0]}" >&2', 'bash', process.execPath, CLI, ...args],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      );
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.match(r.stderr, new RegExp(`exit ${alone.code}\\n$`), r.stderr);
    });
});
