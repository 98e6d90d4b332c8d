/**
 * Writes that fail: `setup`, `rotate`, `export -o` and `render -o` on a full disk (a 1 MB tmpfs filled to the last
 * byte: ENOSPC) and under a file-size limit (`ulimit -f`: the write stops short with EFBIG; Node ignores SIGXFSZ).
 * Each must exit non-zero with a message naming the file and no value, leave every existing file as it was (hash),
 * and leave no partial or temp file behind. Mounting a tmpfs needs root, which CI has (.ci/run runs as root); the
 * test fails, never skips, without it. Last, writes the system refuses before anything exists: a read-only folder
 * (run as `nobody` when the tests run as root), a file where a folder should be, a name near the length limit.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdtempSync,
  openSync,
  existsSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verifyChain } from '../../src/audit/chain.ts';
import { CLI, type CliResult, copyExample, hashProject, hashTree, REPO, runCli } from '../_helpers.ts';

/**
 * A copy of the built CLI that any user can read and run: a fresh folder in the system temp folder, opened to all
 * (0755 folders, 0644 files), removed when the file ends. The CLI bundles are self-contained (no node_modules).
 */
function readableCli(): string {
  const base = mkdtempSync(join(tmpdir(), 'envplane-cli-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  cpSync(join(REPO, 'dist'), join(base, 'dist'), { recursive: true });
  execFileSync('chmod', ['-R', 'u=rwX,go=rX', base]);
  return join(base, 'dist', 'cli.cjs');
}

const SECRET_FILES = ['postgres_password', 'secret_key', 'openai_api_key', 'aws_access_key_id'];

/** A tmpfs of `size`, unmounted when the file ends. */
function mountTmpfs(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'envplane-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`cannot mount a tmpfs at ${dir} (this test needs root, as CI has): ${String(error)}`);
  }
  after(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the filesystem of `dir` to the last byte (big writes, then single bytes); returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  try {
    for (const size of [4096, 1])
      for (;;) {
        try {
          if (writeSync(fd, Buffer.alloc(size, 1)) < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
  } finally {
    closeSync(fd);
  }
  return filler;
}

function secretValues(dir: string): string[] {
  return SECRET_FILES.map((n) => readFileSync(join(dir, 'secrets', `${n}.txt`), 'utf8').trim());
}

function temps(dir: string): string[] {
  return Object.keys(hashTree(dir)).filter((p) => p.split('/').some((part) => part.startsWith('.envplane-tmp-')));
}

/**
 * The project's files, the audit log aside: export appends its line before any secret leaves (fail-closed), so an
 * attempt that then fails to write is still on record. The log's hash chain must hold whatever happened.
 */
function tree(dir: string): Record<string, string> {
  const log = join(dir, '.envplane', 'audit.log');
  if (existsSync(log)) assert.equal(verifyChain(readFileSync(log, 'utf8')).broken, undefined, 'the audit chain');
  return hashProject(dir);
}

function assertFailedCleanly(
  label: string,
  dir: string,
  before: Record<string, string>,
  r: CliResult,
  values: string[],
) {
  assert.notEqual(r.code, 0, `${label}: exit code 0; stdout: ${r.stdout}`);
  assert.match(r.stderr, /cannot write .+: (ENOSPC|EFBIG)/, `${label}: ${r.stderr}`);
  assert.ok(!/internal error|\n\s+at /.test(r.stderr), `${label}: a stack trace: ${r.stderr}`);
  for (const v of values) assert.ok(!`${r.stdout}${r.stderr}`.includes(v), `${label}: a secret value was printed`);
  assert.deepEqual(temps(dir), [], `${label}: temp files left`);
  assert.deepEqual(tree(dir), before, `${label}: the tree changed`);
}

/** The four writing commands, each over a previous file (setup: two missing secret files to create). */
function operations(dir: string, big: string) {
  return [
    {
      label: 'setup',
      prepare: () => {
        unlinkSync(join(dir, 'secrets', 'secret_key.txt'));
        unlinkSync(join(dir, 'secrets', 'aws_access_key_id.txt'));
      },
      args: ['setup'],
      input: '',
    },
    { label: 'rotate', prepare: () => {}, args: ['rotate', 'openai_api_key', '-e', 'dev', '--from-stdin'], input: big },
    {
      label: 'export -o',
      prepare: () => {},
      args: ['export', '-e', 'dev', '-s', 'worker', '--include-secrets', '-o', 'out/worker.env'],
      input: '',
    },
    {
      label: 'render -o',
      prepare: () => {},
      args: ['render', 'compose', '-e', 'dev', '-o', 'out/compose.yml'],
      input: '',
    },
  ];
}

/** Setup, then the previous outputs that the failing runs must leave alone. */
function prepareProject(dir: string): void {
  for (const args of [
    ['setup'],
    ['export', '-e', 'dev', '-s', 'worker', '--include-secrets', '-o', 'out/worker.env'],
    ['render', 'compose', '-e', 'dev', '-o', 'out/compose.yml'],
  ]) {
    const r = runCli(args, { cwd: dir });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
}

describe('write failures leave everything as it was', () => {
  // No space at all (the lock itself cannot be written), and one page left (the lock fits, the first file does not,
  // or fits only in part: every new file here is larger than a page).
  for (const reserve of [0, 4096])
    it(`on a full disk (tmpfs, ENOSPC, ${reserve} bytes left)`, () => {
      const mount = mountTmpfs('1m');
      const dir = join(mount, 'project');
      cpSync(join(REPO, 'examples', 'four-planes'), dir, { recursive: true });
      prepareProject(dir);
      // The new contents differ from the old ones and are larger than a page, so a half-done write would show.
      const big = 'n'.repeat(16 * 1024);
      const dev = join(dir, 'config', 'dev.env');
      writeFileSync(dev, readFileSync(dev, 'utf8').replace(/^LLM_PROVIDER=.*$/m, `LLM_PROVIDER=${big}`));
      writeFileSync(join(dir, 'secrets', 'aws_access_key_id.txt.example'), `AKIA${big}\n`);
      const values = secretValues(dir);
      const ops = operations(dir, `sk-${big}\n`);
      // Before filling: deleting files frees space.
      for (const op of ops) op.prepare();
      const reserved = join(mount, 'reserved');
      writeFileSync(reserved, Buffer.alloc(reserve));
      const filler = fill(mount);
      rmSync(reserved);
      for (const op of ops) {
        const before = tree(dir);
        const r = runCli(op.args, { cwd: dir, input: op.input });
        assertFailedCleanly(`${op.label} (disk full, ${reserve} left)`, dir, before, r, [...values, big]);
        assert.match(r.stderr, /disk is full/, `${op.label}: the hint`);
      }
      // With space again, the same commands succeed: nothing was left in a state that blocks them.
      rmSync(filler);
      for (const op of ops) {
        const r = runCli(op.args, { cwd: dir, input: op.input });
        assert.equal(r.code, 0, `${op.label} after freeing space: ${r.stderr}`);
      }
      assert.equal(readFileSync(join(dir, 'secrets', 'openai_api_key.txt'), 'utf8'), `sk-${big}\n`);
    });

  it('under a file-size limit (ulimit -f: a short write, then EFBIG)', () => {
    const dir = copyExample('four-planes');
    prepareProject(dir);
    // Every new file is larger than the limit (8 KB): a 64 KB secret, template and config value.
    const big = 'v'.repeat(64 * 1024);
    writeFileSync(join(dir, 'secrets', 'aws_access_key_id.txt.example'), `AKIA${big}\n`);
    const dev = join(dir, 'config', 'dev.env');
    writeFileSync(dev, readFileSync(dev, 'utf8').replace(/^LLM_PROVIDER=.*$/m, `LLM_PROVIDER=${big}`));
    const values = [...secretValues(dir), big.slice(0, 64)];
    for (const op of operations(dir, `sk-${big}\n`)) {
      op.prepare();
      const before = tree(dir);
      const child = spawnSync('sh', ['-c', 'ulimit -f 16; exec "$0" "$@"', process.execPath, CLI, ...op.args], {
        cwd: dir,
        input: op.input,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      const r = { code: child.status ?? 128, stdout: child.stdout, stderr: child.stderr };
      // setup is all or nothing: the small generated file is not put in place when the big template cannot be.
      if (op.label === 'setup') assert.ok(!existsSync(join(dir, 'secrets', 'secret_key.txt')), 'a half-done setup');
      assertFailedCleanly(`${op.label} (ulimit -f)`, dir, before, r, values);
    }
  });
});

describe('writes refused by the system before anything exists', () => {
  it('a read-only folder (EACCES): exit 1 naming the file and the folder, no internal error, nothing written', () => {
    const dir = copyExample('four-planes');
    const root = process.getuid?.() === 0;
    // root writes anywhere: the command runs as `nobody`, owner of the copy (CI runs as root; a developer does not).
    // `nobody` runs a copy of dist/ beside the project: the checkout may sit under a private (0700) folder, a clone
    // in /root or in a `mktemp -d` folder, where it could not load dist/cli.cjs (MODULE_NOT_FOUND).
    const cli = root ? readableCli() : CLI;
    if (root) execFileSync('chown', ['-R', '65534:65534', dir]);
    const asUser = (args: string[]): CliResult => {
      const argv = [process.execPath, cli, ...args];
      const r = spawnSync(
        root ? 'setpriv' : argv[0]!,
        root ? ['--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv.slice(1),
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1', HOME: dir, XDG_CACHE_HOME: join(dir, '.cache') },
        },
      );
      return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
    };
    execFileSync('chmod', ['555', join(dir, 'secrets'), join(dir, 'config')]);
    const before = tree(dir);
    const cases: [string[], RegExp][] = [
      [['setup', '--env', 'dev'], /cannot write secrets\/\w+\.txt: EACCES/],
      [
        ['export', '--env', 'dev', '--service', 'frontend', '-o', 'config/x.env', '--force'],
        /cannot write config\/x\.env: EACCES/,
      ],
      [
        ['export', '--env', 'dev', '--service', 'frontend', '-o', 'config/new/x.env', '--force'],
        /cannot create the folder config\/new: EACCES/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = asUser(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /not writable/);
      assert.ok(!/internal error|\n\s+at /.test(r.stderr), r.stderr);
    }
    // setup narrows the store folder to 0500 before it fails to write in it, and the project lock lives in
    // .envplane/; everything else is as it was.
    const after = tree(dir);
    delete after['secrets/'];
    delete before['secrets/'];
    for (const t of [after, before])
      for (const p of Object.keys(t)) if (p.startsWith('.cache/') || p.startsWith('.envplane/')) delete t[p];
    assert.deepEqual(after, before);
  });

  it('a folder on the way that is a file (ENOTDIR), and a name near the 255-byte limit (the temp name fits)', () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, '.gitignore'), '*.env\nplain\n');
    writeFileSync(join(dir, 'plain'), 'a file\n');
    const before = tree(dir);
    const r = runCli(['export', '--env', 'dev', '--service', 'frontend', '-o', 'plain/sub/x.env'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot create the folder plain\/sub: a part of it is a file/);
    assert.ok(!/internal error|\n\s+at /.test(r.stderr), r.stderr);
    assert.deepEqual(tree(dir), before);
    const long = `${'a'.repeat(240)}.env`;
    const ok = runCli(['export', '--env', 'dev', '--service', 'frontend', '-o', long], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(join(dir, long)));
  });
});
