/** A hint that names a command must name one that works: every `envplane rotate …` that check suggests is run. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyExample, runCli } from '../_helpers.ts';

describe('check hints', () => {
  it('every rotate command suggested for a weak secret runs (per-tenant ones carry --tenant)', () => {
    const dir = copyExample('service-scoped');
    const before = JSON.parse(runCli(['check', '--env', 'development', '--json'], { cwd: dir }).stdout);
    const layerHint = before.problems.find(
      (p: { rule: string; key?: string; hint: string }) => p.rule === 'secret-weak' && p.key === 'ENCRYPTION_KEY',
    );
    assert.match(
      layerHint.hint,
      /envplane migrate --env development`\), then replace it: `envplane rotate ENCRYPTION_KEY --env development --tenant \w+`/,
    );
    assert.equal(runCli(['migrate', '--env', 'development'], { cwd: dir }).code, 0);
    const after = JSON.parse(runCli(['check', '--env', 'development', '--json'], { cwd: dir }).stdout);
    const commands = after.problems
      .filter((p: { rule: string }) => p.rule === 'secret-weak')
      .map((p: { hint: string }) => /`envplane (rotate [^`]+)`/.exec(p.hint)?.[1])
      .filter(Boolean) as string[];
    assert.ok(
      commands.some((c) => c.includes('--tenant')),
      commands.join('\n'),
    );
    for (const command of commands) {
      const r = runCli(command.split(' '), { cwd: dir });
      assert.equal(r.code, 0, `envplane ${command}: ${r.stderr}`);
    }
    const final = JSON.parse(runCli(['check', '--env', 'development', '--json'], { cwd: dir }).stdout);
    assert.equal(final.problems.filter((p: { rule: string }) => p.rule === 'secret-weak').length, 0);
  });
});
