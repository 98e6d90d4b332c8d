/**
 * The CLI's V8 code cache (src/cli/_compile-cache.ts) and the per-user cache folder it shares with the manifest cache
 * (src/io/user-cache.ts): entries are private, reused without being rewritten, and anything damaged, foreign or
 * linked is ignored and replaced, never trusted. Output is the same with and without a cache.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { copyExample, hashTree, REPO, runCli, tempDir } from '../_helpers.ts';
import { fourPlanesWithSecrets } from '../run/_project.ts';

const CLI = join(REPO, 'dist', 'cli.cjs');
const fourPlanes = join(REPO, 'examples', 'four-planes');
const ENV_ARGS = ['env', '--env', 'dev', '--service', 'backend', '--json'];

/** The one key folder (build, Node, V8, executable, architecture) under compile/. */
function compileDir(home: string): string {
  const root = join(home, 'envplane', 'compile');
  const keys = readdirSync(root);
  assert.equal(keys.length, 1, `one key folder expected: ${keys.join(', ')}`);
  return join(root, keys[0]!);
}

/** Entry name (without its hash) → inode, mtime and bytes. */
function snapshot(home: string): Map<string, { ino: number; mtimeMs: number; bytes: Buffer }> {
  const out = new Map<string, { ino: number; mtimeMs: number; bytes: Buffer }>();
  for (const name of readdirSync(compileDir(home))) {
    const path = join(compileDir(home), name);
    const stat = lstatSync(path);
    out.set(name, { ino: stat.ino, mtimeMs: stat.mtimeMs, bytes: readFileSync(path) });
  }
  return out;
}

function entryOf(home: string, bundle: string): string {
  const name = readdirSync(compileDir(home)).find((n) => n === `commands-${bundle}.cjs.bin`);
  assert.ok(name, `no compile cache entry for ${bundle}`);
  return join(compileDir(home), name);
}

describe('compile cache', () => {
  const reference = runCli(ENV_ARGS, { cwd: fourPlanes, env: { ENVPLANE_NO_CACHE: '1' } });

  test('the first run writes private entries for the bundles it loaded; the second reuses them untouched', () => {
    const home = tempDir('envplane-cc-');
    const first = runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, reference.stdout);
    assert.equal(statSync(compileDir(home)).mode & 0o777, 0o700);
    const names = readdirSync(compileDir(home));
    assert.ok(entryOf(home, 'env'));
    for (const name of names) {
      assert.match(name, /^commands-[\w-]+\.cjs\.bin$/, 'a temp file was left behind');
      assert.equal(lstatSync(join(compileDir(home), name)).mode & 0o777, 0o600, name);
    }
    const before = snapshot(home);
    const second = runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, reference.stdout);
    assert.deepEqual(snapshot(home), before, 'an accepted entry was rewritten (or a new one appeared)');
  });

  test('a damaged entry is rejected by V8 and rewritten; output unchanged', () => {
    const home = tempDir('envplane-cc-');
    runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    const entry = entryOf(home, 'env');
    const garbage = Buffer.alloc(statSync(entry).size, 0x5a);
    writeFileSync(entry, garbage);
    const r = runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, reference.stdout);
    assert.notDeepEqual(readFileSync(entry), garbage, 'the damaged entry was kept');
  });

  test('a group-writable entry or a symbolic link is not trusted: replaced by a private regular file', () => {
    const home = tempDir('envplane-cc-');
    runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    const entry = entryOf(home, 'env');
    chmodSync(entry, 0o664);
    const loose = lstatSync(entry).ino;
    assert.equal(runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } }).code, 0);
    assert.notEqual(lstatSync(entry).ino, loose, 'the group-writable entry was used');
    assert.equal(lstatSync(entry).mode & 0o777, 0o600);

    // A link to a valid entry elsewhere: neither read nor written through.
    const elsewhere = join(tempDir(), 'planted.bin');
    copyFileSync(entry, elsewhere);
    const planted = readFileSync(elsewhere);
    rmSync(entry);
    symlinkSync(elsewhere, entry);
    const r = runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, reference.stdout);
    assert.ok(lstatSync(entry).isFile(), 'the link is still there');
    assert.deepEqual(readFileSync(elsewhere), planted, 'written through the link');
  });

  test('eight concurrent first runs: all succeed, and what they leave is whole (the next run rewrites nothing)', async () => {
    const home = tempDir('envplane-cc-');
    const runs = Array.from(
      { length: 8 },
      () =>
        new Promise<{ code: number | null; out: string }>((done) => {
          const child = spawn(process.execPath, [CLI, ...ENV_ARGS], {
            cwd: fourPlanes,
            env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: home },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk;
          });
          child.on('close', (code) => done({ code, out }));
        }),
    );
    for (const r of await Promise.all(runs)) {
      assert.equal(r.code, 0);
      assert.equal(r.out, reference.stdout);
    }
    const before = snapshot(home);
    assert.equal(runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } }).code, 0);
    assert.deepEqual(snapshot(home), before);
  });

  test('no secret value reaches either cache, and ENVPLANE_NO_CACHE=1 writes nothing', () => {
    const { dir, canaries } = fourPlanesWithSecrets();
    const home = tempDir('envplane-cc-');
    const run = ['run', '--env', 'dev', '--service', 'backend', '--', process.execPath, '-e', '0'];
    assert.equal(runCli(run, { cwd: dir, env: { XDG_CACHE_HOME: home } }).code, 0);
    const files = readdirSync(home, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(
      files.some((f) => f.name === 'commands-run.cjs.bin'),
      'run left no compile cache entry',
    );
    for (const file of files) {
      const text = readFileSync(join(file.parentPath, file.name)).toString('latin1');
      for (const [name, value] of Object.entries(canaries))
        assert.ok(!text.includes(value), `${name}'s value is in ${file.name}`);
    }
    const none = tempDir('envplane-cc-');
    assert.equal(runCli(run, { cwd: dir, env: { XDG_CACHE_HOME: none, ENVPLANE_NO_CACHE: '1' } }).code, 0);
    assert.deepEqual(readdirSync(none), []);
  });

  test('an edited bundle, even of the same length, is compiled afresh: its new code runs', () => {
    // A private copy of dist/, so that editing a bundle touches nobody else's build.
    const dist = join(tempDir('envplane-cc-dist-'), 'dist');
    cpSync(join(REPO, 'dist'), dist, { recursive: true });
    const home = tempDir('envplane-cc-');
    const help = () => {
      const r = spawnSync(process.execPath, [join(dist, 'cli.cjs'), 'env', '--help'], {
        cwd: fourPlanes,
        env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: home },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.match(help(), /Print what/);
    const bundle = join(dist, 'commands', 'env.cjs');
    const text = readFileSync(bundle, 'utf8');
    assert.ok(text.includes('Print what'));
    writeFileSync(bundle, text.replace('Print what', 'PRINT WHAT'));
    assert.match(help(), /PRINT WHAT/, 'the cached code of the old bundle ran');
  });

  test('a relative XDG_CACHE_HOME or an empty HOME writes nothing (least of all into the project)', () => {
    const dir = copyExample('four-planes');
    const before = hashTree(dir);
    for (const env of [{ XDG_CACHE_HOME: 'rel-cache' }, { XDG_CACHE_HOME: '', HOME: '' }]) {
      const r = runCli(ENV_ARGS, { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, reference.stdout);
    }
    assert.deepEqual(hashTree(dir), before, 'a cache was written into the project');
  });

  test('a cache folder others can write is neither read nor written', () => {
    const home = tempDir('envplane-cc-');
    runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    const folder = compileDir(home);
    const entry = entryOf(home, 'env');
    writeFileSync(entry, Buffer.alloc(statSync(entry).size, 0x5a));
    chmodSync(folder, 0o777);
    const before = snapshot(home);
    const r = runCli(ENV_ARGS, { cwd: fourPlanes, env: { XDG_CACHE_HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, reference.stdout);
    assert.deepEqual(snapshot(home), before, 'an entry in a world-writable folder was replaced (so it was trusted)');
  });
});
