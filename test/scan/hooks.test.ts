/** `envplane hooks`: a real pre-commit hook in a real repository blocks a commit that stages a secret. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { seededBytes as randomBytes } from '../_random.ts';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { copyExample, runCli, tempDir } from '../_helpers.ts';

function git(cwd: string, ...args: string[]) {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** A repository whose project (the first seed) sits in `sub`, with a real value in its files store. */
function repo(sub = ''): { top: string; project: string; password: string } {
  const top = sub === '' ? copyExample('four-planes') : tempDir('envplane-hooks-');
  const project = sub === '' ? top : join(top, sub);
  if (sub !== '') cpSync(copyExample('four-planes'), project, { recursive: true });
  const password = randomBytes(32).toString('base64');
  write(project, 'secrets/postgres_password.txt', `${password}\n`);
  write(top, '.gitignore', 'secrets/*.txt\n');
  git(top, 'init', '-q', '-b', 'main');
  git(top, 'add', '.');
  assert.equal(git(top, 'commit', '-qm', 'init').code, 0);
  return { top, project, password };
}

const head = (dir: string) => git(dir, 'rev-parse', 'HEAD').out.trim();

test('the installed hook blocks a commit that stages a secret and lets a clean one pass', () => {
  const { top, password } = repo();
  const r = runCli(['hooks', 'install'], { cwd: top });
  assert.equal(r.code, 0, r.stderr);
  const hook = join(top, '.git/hooks/pre-commit');
  assert.equal(statSync(hook).mode & 0o111, 0o111, 'the hook is executable');

  write(top, 'README.md', '# reactrine\n');
  git(top, 'add', 'README.md');
  const clean = git(top, 'commit', '-qm', 'docs');
  assert.equal(clean.code, 0, clean.out);

  const before = head(top);
  write(top, 'backend.env', `POSTGRES_PASSWORD=${password}\n`);
  git(top, 'add', 'backend.env');
  const blocked = git(top, 'commit', '-qm', 'leak');
  assert.equal(blocked.code, 1, blocked.out);
  assert.match(blocked.out, /backend\.env:1:19: value of postgres_password/);
  assert.ok(!blocked.out.includes(password));
  assert.equal(head(top), before, 'nothing was committed');
});

test('a foreign hook is kept: refused without --force, chained (run first) with it, restored by uninstall', () => {
  const { top, password } = repo();
  const hook = join(top, '.git/hooks/pre-commit');
  const foreign = '#!/bin/sh\necho ran >> "$(git rev-parse --show-toplevel)/.git/foreign-ran"\nexit 0\n';
  writeFileSync(hook, foreign, { mode: 0o755 });

  const refused = runCli(['hooks', 'install'], { cwd: top });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /not envplane’s/);
  assert.equal(readFileSync(hook, 'utf8'), foreign);

  assert.equal(runCli(['hooks', 'install', '--force'], { cwd: top }).code, 0);
  assert.equal(readFileSync(`${hook}.before-envplane`, 'utf8'), foreign);
  write(top, 'leak.txt', password);
  git(top, 'add', 'leak.txt');
  assert.equal(git(top, 'commit', '-qm', 'leak').code, 1);
  assert.ok(existsSync(join(top, '.git/foreign-ran')), 'the earlier hook ran first');

  // A failing earlier hook stops the commit before the scan.
  writeFileSync(`${hook}.before-envplane`, '#!/bin/sh\necho "lint failed" >&2\nexit 3\n', { mode: 0o755 });
  git(top, 'rm', '-q', '--cached', 'leak.txt');
  write(top, 'ok.txt', 'fine\n');
  git(top, 'add', 'ok.txt');
  const failed = git(top, 'commit', '-qm', 'ok');
  assert.notEqual(failed.code, 0);
  assert.match(failed.out, /lint failed/);

  // Installing again over our own hook is fine; uninstall puts the earlier hook back.
  assert.equal(runCli(['hooks', 'install'], { cwd: top }).code, 0);
  assert.equal(runCli(['hooks', 'uninstall'], { cwd: top }).code, 0);
  assert.match(readFileSync(hook, 'utf8'), /lint failed/);
  assert.ok(!existsSync(`${hook}.before-envplane`));
  const again = runCli(['hooks', 'uninstall'], { cwd: top });
  assert.equal(again.code, 0);
  assert.match(again.stdout, /nothing to do/);
});

test('core.hooksPath is respected, and a project in a subfolder is scanned as that project', () => {
  const { top, project, password } = repo('apps/reactrine');
  git(top, 'config', 'core.hooksPath', '.githooks');
  const r = runCli(['hooks', 'install'], { cwd: project });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(top, '.githooks/pre-commit')));
  assert.ok(!existsSync(join(top, '.git/hooks/pre-commit')));
  write(top, 'apps/reactrine/services/worker/config.py', `PASSWORD = "${password}"\n`);
  git(top, 'add', '.');
  const blocked = git(top, 'commit', '-qm', 'leak');
  assert.equal(blocked.code, 1, blocked.out);
  assert.match(blocked.out, /apps\/reactrine\/services\/worker\/config\.py:1:13/);
});

test('outside a git repository, and with an unknown action, hooks exits 2', () => {
  const dir = copyExample('four-planes');
  const r = runCli(['hooks', 'install'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not in a git repository/);
  assert.equal(runCli(['hooks', 'instal'], { cwd: dir }).code, 2);
  assert.match(runCli(['hooks', '--help'], { cwd: dir }).stdout, /--force/);
});
