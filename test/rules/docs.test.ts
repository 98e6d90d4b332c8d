/** Every rule has its page (what, why, fix, silence) and a row in the check command's page; no page without a rule. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RULES } from '../../src/rules/index.ts';
import { REPO } from '../_helpers.ts';

test('one page per rule, with each section, and the rule’s own silence snippet', () => {
  for (const rule of RULES) {
    const page = readFileSync(join(REPO, 'docs', 'rules', `${rule.id}.md`), 'utf8');
    for (const section of ['## What it finds', '## Why it matters', '## How to fix it', '## How to silence it'])
      assert.ok(page.includes(section), `${rule.id}: ${section}`);
    assert.ok(page.includes(`rule: ${rule.id}\n`), `${rule.id}: silence snippet`);
    assert.ok(page.includes(`Severity: **${rule.severity}**`), `${rule.id}: severity`);
  }
  const pages = readdirSync(join(REPO, 'docs', 'rules')).map((f) => f.replace(/\.md$/, ''));
  assert.deepEqual(pages.sort(), RULES.map((r) => r.id).sort());
});

test('docs/commands/check.md lists every rule with its severity', () => {
  const page = readFileSync(join(REPO, 'docs', 'commands', 'check.md'), 'utf8');
  for (const rule of RULES)
    assert.ok(page.includes(`| [\`${rule.id}\`](../rules/${rule.id}.md) | ${rule.severity} |`), rule.id);
});

test('rule ids are kebab-case and unique', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z]+(-[a-z]+)*$/);
});
