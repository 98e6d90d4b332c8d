/**
 * The schema hint `init` writes must mean the same on every machine: the path the package installs to, relative to
 * the manifest's folder, never absolute and never leading out of the project (such a path only works where the
 * manifest was generated, e.g. `../../work/main/schema/...` from the checkout envplane ran from).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { REPO } from '../_helpers.ts';

export const INSTALLED_SCHEMA = 'node_modules/envplane/schema/envplane.schema.json';

/** Checks the first line of a manifest written into `dir`; returns the path it names. */
export function assertPortableSchemaHint(text: string, dir: string): string {
  const hint = /^# yaml-language-server: \$schema=(.+)$/.exec(text.split('\n')[0]!);
  assert.ok(hint, 'the first line is the schema hint');
  const ref = hint[1]!;
  assert.ok(!isAbsolute(ref) && !/^[A-Za-z]:|^\//.test(ref), `absolute: ${ref}`);
  assert.ok(!ref.includes('\\'), `a backslash: ${ref}`);
  assert.ok(!ref.split('/').includes('..'), `leads outside the project: ${ref}`);
  const inside = relative(dir, resolve(dir, ref));
  assert.ok(!inside.startsWith('..') && !isAbsolute(inside), `outside the project: ${ref}`);
  assert.equal(ref, INSTALLED_SCHEMA);
  // It names the file the package ships (package.json "files" has schema/), as a dev dependency installs it.
  const shipped = join(REPO, ref.slice('node_modules/envplane/'.length));
  assert.ok(existsSync(shipped), shipped);
  assert.ok(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).files.includes('schema'));
  assert.ok(JSON.parse(readFileSync(shipped, 'utf8')).properties.environments, 'it is envplane.schema.json');
  return ref;
}
