/** The one directory walk: regular files only, sorted, links neither followed nor listed, depth and skip honoured. */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { walkFiles } from '../../src/io/walk.ts';
import { tempDir } from '../_helpers.ts';

function tree(): string {
  const root = tempDir();
  for (const dir of ['a/b/c', 'node_modules/x', 'z']) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['top.txt', 'a/one.txt', 'a/b/two.txt', 'a/b/c/three.txt', 'node_modules/x/dep.js', 'z/last'])
    writeFileSync(join(root, file), 'x');
  symlinkSync(join(root, 'a'), join(root, 'link-to-a'));
  symlinkSync(join(root, 'top.txt'), join(root, 'link-to-top'));
  return root;
}

test('every regular file, sorted; links neither followed nor listed', () => {
  assert.deepEqual(walkFiles(tree(), '.'), [
    'a/b/c/three.txt',
    'a/b/two.txt',
    'a/one.txt',
    'node_modules/x/dep.js',
    'top.txt',
    'z/last',
  ]);
});

test('maxDepth counts folder levels below the start; skip prunes folder names anywhere; a start folder works', () => {
  const root = tree();
  assert.deepEqual(walkFiles(root, '.', { maxDepth: 0 }), ['top.txt']);
  assert.deepEqual(walkFiles(root, 'a', { maxDepth: 1 }), ['a/b/two.txt', 'a/one.txt']);
  assert.deepEqual(walkFiles(root, '.', { skip: new Set(['node_modules', 'b']) }), ['a/one.txt', 'top.txt', 'z/last']);
  assert.deepEqual(walkFiles(root, 'missing'), []);
});
