/**
 * Every file and directory envplane creates, under umask 000, 022 and 077: secret-bearing files are 0600 (0400 in
 * `run`'s private directory), private directories 0700, whatever the umask. Files that are deliberately not private
 * (rendered compose/swarm files, `.gitignore`, `.example` templates) have exactly their documented mode, 0644, and
 * the folders render creates for them 0755 less the umask (SECURITY.md lists them and says why). A created path that
 * is not in the table fails the test, so a new kind of file cannot slip in unreviewed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, copyExample, tempDir } from '../_helpers.ts';

type Expected = number | ((umask: number) => number);

/** Created path (a regular expression over the project-relative path; directories end in `/`) → its mode. */
const FOUR_PLANES: [RegExp, Expected][] = [
  [/^secrets\/$/, 0o700],
  [/^\.envplane\/$/, 0o700],
  [/^\.envplane\/(audit\.log|state\.json)$/, 0o600],
  [/^\.gitignore$/, 0o644],
  [/^secrets\/[a-z_]+\.txt$/, 0o600],
  [/^secrets\/[a-z_]+\.txt\.previous$/, 0o600],
  // export -o: the file holds secret values (or their paths), and the folder it creates is private.
  [/^exported\/$/, 0o700],
  [/^exported\/worker\.env$/, 0o600],
  [/^worker-paths\.env$/, 0o600],
  // render: a Kubernetes Secret carries values (0600 in a 0700 folder); compose and swarm files carry none.
  [/^k8s\/$/, 0o700],
  [/^k8s\/secret\.yaml$/, 0o600],
  [/^deploy\/$/, (umask) => 0o755 & ~umask],
  [/^deploy\/compose\.yml$/, 0o644],
  [/^(compose\.envplane|stack\.development)\.yml$/, 0o644],
];

const SERVICE_SCOPED: [RegExp, Expected][] = [
  [/^secrets\/$/, 0o700],
  [/^\.envplane\/$/, 0o700],
  [/^\.envplane\/(audit\.log|state\.json)$/, 0o600],
  [/^\.gitignore$/, 0o644],
  // migrate's backups of the layers it rewrote hold the secrets it moved out.
  [/^\.env\.[a-z.]+\.bak$/, 0o600],
  [/^secrets\/(acme|techcorp|wex)\/$/, 0o700],
  [/^secrets\/([a-z]+\/)?[A-Z_]+\.txt$/, 0o600],
  [/^secrets\/([a-z]+\/)?[A-Z_]+\.txt\.previous$/, 0o600],
  // Templates hold no value, only what the file must contain: they are meant to be committed.
  [/^secrets\/([a-z]+\/)?[A-Z_]+\.txt\.example$/, 0o644],
];

function listing(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p) + (st.isDirectory() ? '/' : '');
      out.set(rel, st.mode & 0o777);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

function cli(dir: string, umask: number, args: string[], input = '', env: Record<string, string> = {}): string {
  const r = spawnSync(
    'sh',
    ['-c', `umask ${umask.toString(8).padStart(3, '0')}; exec "$0" "$@"`, process.execPath, CLI, ...args],
    {
      cwd: dir,
      input,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', ...env },
    },
  );
  assert.equal(r.status, 0, `${args.join(' ')} under umask ${umask.toString(8)}: ${r.stderr}`);
  return r.stdout;
}

/** Every path that is new, or whose mode changed, is in the table with exactly its mode. */
function assertModes(dir: string, before: Map<string, number>, table: [RegExp, Expected][], umask: number): number {
  let checked = 0;
  for (const [path, mode] of listing(dir)) {
    if (before.get(path) === mode && !table.some(([re]) => re.test(path))) continue;
    const row = table.find(([re]) => re.test(path));
    assert.ok(
      row,
      `${path} (mode ${mode.toString(8)}) was created or changed under umask ${umask.toString(8)} but is not in the table`,
    );
    const expected = typeof row[1] === 'number' ? row[1] : row[1](umask);
    assert.equal(mode.toString(8), expected.toString(8), `${path} under umask ${umask.toString(8)}`);
    checked++;
  }
  return checked;
}

/** The per-user cache folder ($XDG_CACHE_HOME, relative to it): no values, but only private entries are trusted. */
const CACHE: [RegExp, Expected][] = [
  [/^envplane\/((manifests|compile|compile\/[0-9a-f]{16})\/)?$/, 0o700],
  [/^envplane\/manifests\/[0-9a-f]{16}\.json$/, 0o600],
  [/^envplane\/compile\/[0-9a-f]{16}\/commands-[\w-]+\.cjs\.bin$/, 0o600],
];

const UMASKS = [0o000, 0o022, 0o077];

describe('modes of everything envplane creates', () => {
  for (const umask of UMASKS)
    it(`four-planes under umask ${umask.toString(8).padStart(3, '0')}: setup, rotate, export -o, render -o`, () => {
      const dir = copyExample('four-planes');
      const before = listing(dir);
      cli(dir, umask, ['setup']);
      cli(dir, umask, ['rotate', 'openai_api_key', '-e', 'dev', '--from-stdin'], 'sk-rotated\n');
      cli(dir, umask, ['export', '-e', 'dev', '-s', 'worker', '--include-secrets', '-o', 'exported/worker.env']);
      cli(dir, umask, ['export', '-e', 'dev', '-s', 'worker', '-o', 'worker-paths.env']);
      cli(dir, umask, ['render', 'k8s', '-e', 'dev', '-o', 'k8s/secret.yaml']);
      cli(dir, umask, ['render', 'compose', '-e', 'dev', '-o', 'deploy/compose.yml']);
      cli(dir, umask, ['render', 'compose', '-e', 'dev']);
      cli(dir, umask, ['render', 'swarm', '-e', 'dev']);
      // The secrets folder existed (holding the templates): setup makes it private.
      assert.equal(listing(dir).get('secrets/'), 0o700);
      assert.ok(assertModes(dir, before, FOUR_PLANES, umask) >= 15);
    });

  for (const umask of UMASKS)
    it(`service-scoped under umask ${umask.toString(8).padStart(3, '0')}: migrate, setup, rotate`, () => {
      const dir = copyExample('service-scoped');
      const before = listing(dir);
      cli(dir, umask, ['migrate', '--env', 'development']);
      cli(dir, umask, ['setup']);
      cli(dir, umask, ['rotate', 'GITHUB_TOKEN', '-e', 'dev', '-t', 'acme', '--from-stdin'], 'ghp_rotated\n');
      // The layers migrate rewrote keep the mode they had.
      const after = listing(dir);
      for (const layer of ['.env.shared', '.env.backend', '.env.etl.wex'])
        assert.equal(after.get(layer), before.get(layer), `${layer} kept its mode`);
      assert.equal(after.get('secrets/'), 0o700);
      assert.ok(assertModes(dir, before, SERVICE_SCOPED, umask) >= 30);
    });

  for (const umask of UMASKS)
    it(`run's private secrets folder and files under umask ${umask.toString(8).padStart(3, '0')}`, () => {
      const dir = copyExample('four-planes');
      cli(dir, umask, ['setup']);
      // The child reports what it sees: the folder's mode and each secret file's, while it runs.
      const report = `const fs = require('fs'); const path = require('path');
        const dir = process.env.ENVPLANE_SECRETS_DIR;
        const files = Object.entries(process.env).filter(([k, v]) => k.endsWith('_FILE') && v.startsWith(dir));
        console.log(JSON.stringify({ dir: fs.statSync(dir).mode & 0o777,
          files: files.map(([k, v]) => [k, path.dirname(v) === dir, fs.statSync(v).mode & 0o777]) }));`;
      const out = cli(dir, umask, ['run', '-e', 'dev', '-s', 'backend', '--', process.execPath, '-e', report]);
      const seen = JSON.parse(out.trim().split('\n').at(-1)!) as { dir: number; files: [string, boolean, number][] };
      assert.equal(seen.dir.toString(8), '700');
      assert.equal(seen.files.length, 5, JSON.stringify(seen));
      for (const [key, inside, mode] of seen.files) {
        assert.ok(inside, `${key} is in the private folder`);
        assert.equal(mode.toString(8), '400', key);
      }
    });

  for (const umask of UMASKS)
    it(`the per-user caches under umask ${umask.toString(8).padStart(3, '0')}: setup, run, env`, () => {
      const dir = copyExample('four-planes');
      const cache = tempDir('envplane-perm-cache-');
      const env = { XDG_CACHE_HOME: cache };
      cli(dir, umask, ['setup'], '', env);
      cli(dir, umask, ['run', '-e', 'dev', '-s', 'backend', '--', process.execPath, '-e', '0'], '', env);
      cli(dir, umask, ['env', '-e', 'dev', '-s', 'worker'], '', env);
      assert.ok(assertModes(cache, new Map(), CACHE, umask) >= 6);
    });
});
