/** Layer templates are kept in step with their layers (issue 13, item 11): rule layer-template-drift. */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyExample, runCli } from '../_helpers.ts';

type Problem = { rule: string; severity: string; message: string; location?: { file: string; line?: number } };
const drift = (dir: string) =>
  (JSON.parse(runCli(['check', '--json'], { cwd: dir }).stdout) as { problems: Problem[] }).problems
    .filter((p) => p.rule === 'layer-template-drift')
    .map((p) => `${p.severity} ${p.location?.file}:${p.location?.line} ${p.message}`);

describe('layer-template-drift', () => {
  it('service-scoped as written: the password the seed put in .env.shared is not in its template', () => {
    const dir = copyExample('service-scoped');
    assert.deepEqual(drift(dir), [
      'warning .env.shared:5 POSTGRES_PASSWORD is set in .env.shared but missing from its template .env.shared.example: a clone set up from the template lacks it',
    ]);
  });

  it('a key added to one side only, in a plain and in a shared per-tenant template', () => {
    const dir = copyExample('service-scoped');
    appendFileSync(join(dir, '.env.frontend'), 'VITE_NEW_FLAG=1\n');
    appendFileSync(join(dir, '.env.etl.example'), 'JIRA_URL=https://jira.example\n');
    const found = drift(dir);
    assert.ok(
      found.some((l) =>
        l.startsWith(
          'warning .env.frontend:6 VITE_NEW_FLAG is set in .env.frontend but missing from its template .env.frontend.example',
        ),
      ),
      found.join('\n'),
    );
    for (const tenant of ['acme', 'techcorp', 'wex'])
      assert.ok(
        found.includes(
          `warning .env.etl.example:5 JIRA_URL is in the template .env.etl.example but .env.etl.${tenant} does not set it`,
        ),
        found.join('\n'),
      );
    // A tenant's own template wins over the shared one.
    writeFileSync(join(dir, '.env.etl.wex.example'), 'CLIENT_NAME=x\nENCRYPTION_KEY=x\nJIRA_TOKEN=x\nGITHUB_TOKEN=x\n');
    assert.ok(!drift(dir).some((l) => l.includes('.env.etl.wex does not set')));
  });
});
