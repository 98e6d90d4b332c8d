/** A `silence:` naming a rule that does not exist is refused by every command that runs rules (issue 15 item 3). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRuleId, RULES } from '../../src/rules/index.ts';
import { runCli, tempDir } from '../_helpers.ts';

test('check and verify both refuse a silence of an unknown rule, at its line, with a did-you-mean', () => {
  const dir = tempDir('envplane-silence-');
  writeFileSync(
    join(dir, 'envplane.yaml'),
    `project: demo
environments:
  development: {}
keys:
  HOST: { plane: config, default: x }
services:
  api: { uses: [HOST] }
silence:
  - rule: unused-keys
    reason: typo of unused-key
`,
  );
  for (const command of [['check'], ['verify']]) {
    const r = runCli(command, { cwd: dir });
    assert.equal(r.code, 2, `${command}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /envplane\.yaml:9:5: silence names unknown rule "unused-keys"/, command.join(' '));
    assert.match(r.stderr, /did you mean "unused-key"/, command.join(' '));
  }
});

test('isRuleId knows exactly the registered rules', () => {
  for (const rule of RULES) assert.ok(isRuleId(rule.id));
  assert.ok(!isRuleId('unused-keys'));
});
