/** The hook script itself, run by a real `sh` in a real repository: which envplane it picks, and failing closed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hookScript, isEnvplaneHook } from '../../src/scan/hook-script.ts';
import { shellQuote } from '../../src/shell.ts';
import { tempDir } from '../_helpers.ts';

function repoWithHook(cliPath: string, projectFromTop = ''): string {
  const top = tempDir('envplane-hookscript-');
  spawnSync('git', ['init', '-q', top]);
  const hook = join(top, '.git/hooks/pre-commit');
  writeFileSync(hook, hookScript({ projectFromTop, cliPath, nodePath: process.execPath }), { mode: 0o755 });
  return top;
}

/** A PATH with git and dirname only: no node, no envplane. */
function minimalPath(): string {
  const bin = tempDir('envplane-path-');
  for (const tool of ['git', 'dirname']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

function runHook(top: string, path = minimalPath()) {
  const r = spawnSync('/bin/sh', [join(top, '.git/hooks/pre-commit')], {
    cwd: top,
    encoding: 'utf8',
    env: { PATH: path, HOME: top },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('prefers the project’s own node_modules/.bin/envplane, passing the project folder', () => {
  const top = repoWithHook('/nonexistent/cli.cjs', "apps/it's here");
  const bin = join(top, "apps/it's here/node_modules/.bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'envplane'), '#!/bin/sh\necho "local envplane: $*"\nexit 0\n');
  chmodSync(join(bin, 'envplane'), 0o755);
  const r = runHook(top);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out.trim(), `local envplane: scan --staged --dir ${top}/apps/it's here`);
});

test('with no envplane anywhere the hook refuses the commit and says why', () => {
  const r = runHook(repoWithHook('/nonexistent/cli.cjs'));
  assert.equal(r.code, 1);
  assert.match(r.out, /envplane is not installed/);
});

test('falls back to the installing CLI, run with node even when PATH has none', () => {
  const top = repoWithHook(join(top0(), 'cli.cjs'));
  const path = minimalPath();
  assert.notEqual(spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: path } }).status, 0);
  const r = runHook(top, path);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^cli ran: scan --staged --dir /);
});

let fakeCliDir: string | undefined;
function top0(): string {
  if (!fakeCliDir) {
    fakeCliDir = tempDir('envplane-fakecli-');
    writeFileSync(join(fakeCliDir, 'cli.cjs'), "console.log('cli ran: ' + process.argv.slice(2).join(' '));\n");
  }
  return fakeCliDir;
}

test('shell quoting survives any path, and only marked hooks count as envplane’s', () => {
  for (const text of ["it's", 'a b', '$(id)', '`id`', '"q"', '\\']) {
    const r = spawnSync('sh', ['-c', `printf %s ${shellQuote(text)}`], { encoding: 'utf8' });
    assert.equal(r.stdout, text);
  }
  assert.ok(isEnvplaneHook(hookScript({ projectFromTop: '', cliPath: '/x', nodePath: '/n' })));
  assert.ok(!isEnvplaneHook('#!/bin/sh\nexec lint-staged\n'));
});
