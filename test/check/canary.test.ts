/**
 * A canary secret pushed through `check` and `verify` in every format, with --debug, in failing runs and through a
 * parse error on the line that holds it: it must never appear in stdout or stderr, plain or base64-encoded.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { count } from '../_counts.ts';
import { copyExample, runCli } from '../_helpers.ts';

const CANARY = 'sk-CANARY7f3e9a1b5c2d8e4f6a0b3c7d9e1f5a2b';

function assertClean(label: string, r: { stdout: string; stderr: string }): void {
  const hit = [CANARY, Buffer.from(CANARY).toString('base64'), CANARY.slice(3)].some(
    (form) => r.stdout.includes(form) || r.stderr.includes(form),
  );
  count('canary', 1, hit ? 1 : 0, 'check/verify');
  for (const form of [CANARY, Buffer.from(CANARY).toString('base64'), CANARY.slice(3)]) {
    assert.ok(!r.stdout.includes(form), `${label}: stdout holds the canary`);
    assert.ok(!r.stderr.includes(form), `${label}: stderr holds the canary`);
  }
}

test('the canary never leaves check or verify', () => {
  const dir = copyExample('four-planes');
  assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
  // The canary is a real secret, a hard-coded Dockerfile value, a config value and a public value at once.
  writeFileSync(join(dir, 'secrets/openai_api_key.txt'), `${CANARY}\n`);
  chmodSync(join(dir, 'secrets/openai_api_key.txt'), 0o644);
  writeFileSync(join(dir, 'secrets/aws_access_key_id.txt.example'), `${CANARY}\n`);
  const dockerfile = join(dir, 'services/backend/Dockerfile');
  writeFileSync(dockerfile, `${readFileSync(dockerfile, 'utf8')}ENV OPENAI_API_KEY=${CANARY}\nARG SEED=${CANARY}\n`);
  writeFileSync(
    join(dir, 'config/prod.env'),
    `${readFileSync(join(dir, 'config/prod.env'), 'utf8')}VITE_API_URL=${CANARY}\n`,
  );
  writeFileSync(
    join(dir, 'config/dev.env'),
    `${readFileSync(join(dir, 'config/dev.env'), 'utf8')}LLM_PROVIDER=${CANARY}\n`,
  );
  const common = join(dir, 'config/common.env');
  writeFileSync(common, `${readFileSync(common, 'utf8')}POSTGRES_DB=${CANARY}\n`);

  const runs: [string[], number][] = [
    [['check'], 1],
    [['check', '--json'], 1],
    [['check', '--format', 'sarif'], 1],
    [['check', '--group-by', 'rule', '--debug'], 1],
    [['verify', '--json'], 1], // the hand-written compose file hands undeclared config keys to postgres and frontend
    [['verify', '--live', '--env', 'dev'], 1], // postgres receives openai_api_key's value as POSTGRES_DB
    [['verify', '--live', '--env', 'dev', '--json'], 1],
  ];
  for (const [args, code] of runs) {
    const r = runCli(args, { cwd: dir, env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assertClean(args.join(' '), r);
  }
  const report = JSON.parse(runCli(['check', '--json'], { cwd: dir }).stdout);
  const rules = new Set(report.problems.map((p: { rule: string }) => p.rule));
  for (const rule of ['secret-file-mode', 'dockerfile-secret', 'secret-in-config'])
    assert.ok(rules.has(rule), `the canary set off ${rule}`);

  // A parse error on the line that holds the canary: file:line only.
  writeFileSync(join(dir, 'config/dev.env'), `DEBUG=true\nLLM_PROVIDER="${CANARY}\n`);
  for (const args of [['check'], ['check', '--json', '--debug'], ['verify', '--live', '--env', 'dev']]) {
    const r = runCli(args, { cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, /config\/dev\.env:2/);
    assertClean(`parse error: ${args.join(' ')}`, r);
  }
});
