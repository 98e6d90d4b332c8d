/**
 * Commands that disagreed with `check` (issue 13, items 7 and 8): `run` must stop on a required config key no layer
 * sets, `env` must not show a missing secret as present, and a rollback must bring the value's age back with it.
 */
import assert from 'node:assert/strict';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyExample, runCli } from '../_helpers.ts';

function setUp(): string {
  const dir = copyExample('four-planes');
  const r = runCli(['setup'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

const problems = (dir: string, rule: string) =>
  (
    JSON.parse(runCli(['check', '--json', '--env', 'dev'], { cwd: dir }).stdout) as {
      problems: { rule: string; key?: string }[];
    }
  ).problems.filter((p) => p.rule === rule);

describe('rotate --rollback keeps the value’s age', () => {
  it('an old value rotated away and rolled back is old again (secret-too-old speaks)', () => {
    const dir = setUp();
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), 'sk-real-value-of-the-user-0123456789abcdef\n', {
      mode: 0o600,
    });
    // The value setup generated is 200 days old (maxAge: 90).
    const statePath = join(dir, '.envplane', 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    const old = new Date(Date.now() - 200 * 86_400_000).toISOString();
    state.secrets['development/postgres_password'].rotatedAt = old;
    writeFileSync(statePath, JSON.stringify(state), { mode: 0o600 });
    assert.equal(problems(dir, 'secret-too-old').length, 1);

    assert.equal(runCli(['rotate', 'postgres_password', '--env', 'dev'], { cwd: dir }).code, 0);
    assert.deepEqual(problems(dir, 'secret-too-old'), []);
    const rotated = JSON.parse(readFileSync(statePath, 'utf8')).secrets['development/postgres_password'];
    assert.equal(rotated.previous.rotatedAt, old);

    const back = runCli(['rotate', 'postgres_password', '--env', 'dev', '--rollback'], { cwd: dir });
    assert.equal(back.code, 0, back.stderr);
    const record = JSON.parse(readFileSync(statePath, 'utf8')).secrets['development/postgres_password'];
    assert.equal(record.rotatedAt, old);
    assert.equal(record.previous, undefined);
    assert.deepEqual(
      problems(dir, 'secret-too-old').map((p) => p.key),
      ['postgres_password'],
    );
  });
});

describe('run and env agree with check', () => {
  it('run stops with exit 2 when a required config key has no value, naming it; nothing runs', () => {
    const dir = setUp();
    writeFileSync(join(dir, 'secrets', 'openai_api_key.txt'), 'sk-real-value-of-the-user-0123456789abcdef\n', {
      mode: 0o600,
    });
    const common = join(dir, 'config', 'common.env');
    writeFileSync(common, readFileSync(common, 'utf8').replace('POSTGRES_DB=app\n', ''));
    const marker = join(dir, 'ran');
    const r = runCli(
      [
        'run',
        '--env',
        'dev',
        '--service',
        'backend',
        '--',
        process.execPath,
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`,
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /required config key\(s\) without a value: POSTGRES_DB/);
    assert.throws(() => readFileSync(marker));
    // With the key back, the same run starts.
    writeFileSync(common, `${readFileSync(common, 'utf8')}POSTGRES_DB=app\n`);
    const ok = runCli(
      [
        'run',
        '--env',
        'dev',
        '--service',
        'backend',
        '--',
        process.execPath,
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`,
      ],
      { cwd: dir },
    );
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('env shows a missing secret as missing, an optional absent one as absent, a present one masked', () => {
    const dir = setUp();
    unlinkSync(join(dir, 'secrets', 'secret_key.txt'));
    unlinkSync(join(dir, 'secrets', 'aws_access_key_id.txt'));
    const text = runCli(['env', '--env', 'dev', '--service', 'backend'], { cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    const line = (name: string) => text.stdout.split('\n').find((l) => l.trim().startsWith(`${name} `)) ?? '';
    assert.match(line('secret_key'), /\(missing\)/);
    assert.doesNotMatch(line('secret_key'), /\*\*\*\*\*\*/);
    assert.match(line('aws_access_key_id'), /absent, optional/);
    assert.match(line('postgres_password'), /\*\*\*\*\*\*/);
    const json = JSON.parse(runCli(['env', '--env', 'dev', '--service', 'backend', '--json'], { cwd: dir }).stdout);
    const present = Object.fromEntries(
      json.secrets.map((s: { name: string; present: boolean }) => [s.name, s.present]),
    );
    assert.equal(present.secret_key, false);
    assert.equal(present.postgres_password, true);
  });
});
