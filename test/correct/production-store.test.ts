/** The seed's DO "use external secret managers in production" as a rule (issue 13, item 5). */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyExample, runCli } from '../_helpers.ts';

type Problem = {
  rule: string;
  severity: string;
  message: string;
  hint: string;
  location?: { file: string; line?: number };
};

function check(edit: (manifest: string) => string): Problem[] {
  const dir = copyExample('four-planes');
  const path = join(dir, 'envplane.yaml');
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  const r = runCli(['check', '--json'], { cwd: dir });
  return (JSON.parse(r.stdout) as { problems: Problem[] }).problems.filter((p) => p.rule === 'production-files-store');
}

describe('production-files-store', () => {
  it('production on a plain files store: a warning at its secrets line, with the fix', () => {
    const found = check((m) =>
      m.replace('secrets: { store: external, prefix: Reactrine_ }', 'secrets: { store: files, dir: secrets-prod }'),
    );
    assert.equal(found.length, 1);
    const [p] = found;
    assert.equal(p!.severity, 'warning');
    assert.deepEqual(p!.location, { file: 'envplane.yaml', line: 12, column: 5 });
    assert.match(p!.message, /production looks like production, but its secrets are plain files in secrets-prod\//);
    assert.match(p!.hint, /store: external/);
  });

  it('an environment named otherwise but aliased live, with the default store (no secrets: line)', () => {
    const found = check((m) =>
      m
        .replace('  production:\n    aliases: [prod]', '  main:\n    aliases: [live]')
        .replace('    secrets: { store: external, prefix: Reactrine_ }\n', ''),
    );
    assert.deepEqual(
      found.map((p) => p.message),
      ['main (alias live) looks like production, but its secrets are plain files in secrets/'],
    );
  });

  it('the example as it is (external in production, files in development) is fine; so is a preprod or product name', () => {
    assert.deepEqual(
      check((m) => m),
      [],
    );
    assert.deepEqual(
      check((m) => m.replace('  development:\n    aliases: [dev]', '  preprod:\n    aliases: [product]')),
      [],
    );
  });
});
