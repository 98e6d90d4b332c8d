/**
 * The docs name manifest fields as users write them. The normalized manifest (src/manifest/types.ts) renames some
 * (`maxAge: 90d` becomes `maxAgeDays: 90`); a page that names the internal field sends users to write a field the
 * manifest rejects (docs/commands/rotate.md said `maxAgeDays`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../_helpers.ts';

/** Every property name anywhere in the written manifest's JSON Schema. */
function writtenFields(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) writtenFields(n, out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) out.add(name);
      writtenFields(v, out);
    }
  return out;
}

test('no page names a normalized-only manifest field instead of the one users write', () => {
  const written = writtenFields(JSON.parse(readFileSync(join(REPO, 'schema', 'envplane.schema.json'), 'utf8')));
  const types = readFileSync(join(REPO, 'src', 'manifest', 'types.ts'), 'utf8');
  const internal = new Set([...types.matchAll(/^\s+(?:readonly\s+)?(\w+)\??:/gm)].map((m) => m[1]!));
  const onlyInternal = [...internal].filter((f) => !written.has(f));
  assert.ok(onlyInternal.includes('maxAgeDays'), 'the normalized manifest has fields users never write');
  const pages = [
    'README.md',
    ...readdirSync(join(REPO, 'docs'), { recursive: true, encoding: 'utf8' }).map((p) => join('docs', p)),
  ].filter((p) => p.endsWith('.md'));
  const found: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(REPO, page), 'utf8');
    for (const m of text.matchAll(/`(\w+)`/g))
      if (onlyInternal.includes(m[1]!) && /^[a-z]+[A-Z]/.test(m[1]!)) found.push(`${page}: \`${m[1]}\``);
  }
  assert.deepEqual(found, []);
});
