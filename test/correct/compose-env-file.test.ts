/**
 * The user's own compose files hand a service every key of every env_file they list (issue 13, item 2):
 * compose-over-grant reports each key a service receives that it does not declare — an error for a secret, a
 * warning for config — and verify's static proof counts it. examples/four-planes' hand-written docker-compose.yml
 * gives config/common.env + config/dev.env to postgres and frontend.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyExample, runCli } from '../_helpers.ts';

type Problem = {
  rule: string;
  severity: string;
  message: string;
  service?: string;
  key?: string;
  location?: { file: string; line?: number };
  related?: { file: string; line?: number }[];
};

const grants = (dir: string) =>
  (JSON.parse(runCli(['check', '--json'], { cwd: dir }).stdout) as { problems: Problem[] }).problems.filter(
    (p) => p.rule === 'compose-over-grant',
  );

describe('compose-over-grant: the keys of env_file', () => {
  it('four-planes: every undeclared config key each service receives, as a warning at its env_file line', () => {
    const dir = copyExample('four-planes');
    const found = grants(dir);
    const by = (service: string) =>
      found
        .filter((p) => p.service === service && p.location?.file === 'docker-compose.yml')
        .map((p) => p.key)
        .sort();
    assert.deepEqual(by('frontend'), [
      'ACCESS_TOKEN_EXPIRE_MINUTES',
      'ALLOWED_ORIGINS_STR',
      'API_V1_STR',
      'DEBUG',
      'ENVIRONMENT',
      'JWT_ALGORITHM',
      'LLM_PROVIDER',
      'LOG_LEVEL',
      'POSTGRES_DB',
      'POSTGRES_SERVER',
      'POSTGRES_USER',
    ]);
    assert.deepEqual(by('postgres'), [
      'ACCESS_TOKEN_EXPIRE_MINUTES',
      'ALLOWED_ORIGINS_STR',
      'API_V1_STR',
      'DEBUG',
      'ENVIRONMENT',
      'JWT_ALGORITHM',
      'LLM_PROVIDER',
      'LOG_LEVEL',
      'POSTGRES_SERVER',
      'VITE_API_URL',
    ]);
    assert.deepEqual(by('backend'), ['VITE_API_URL']);
    assert.ok(
      found.every((p) => p.severity === 'warning'),
      JSON.stringify(found),
    );
    const one = found.find((p) => p.service === 'frontend' && p.key === 'POSTGRES_SERVER')!;
    assert.deepEqual(one.location, { file: 'docker-compose.yml', line: 45 });
    assert.deepEqual(one.related, [{ file: 'config/common.env', line: 2 }]);
    // Warnings only: check still passes on errors.
  });

  it('a secret in an env_file is an error, declared or not; a file envplane does not manage counts too', () => {
    const dir = copyExample('four-planes');
    writeFileSync(join(dir, 'extra.env'), 'OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD\nTZ=UTC\n');
    writeFileSync(join(dir, 'docker-compose.override.yml'), 'services:\n  worker:\n    env_file:\n      - extra.env\n');
    const found = grants(dir).filter((p) => p.location?.file === 'docker-compose.override.yml');
    assert.deepEqual(
      found.map((p) => [p.severity, p.key, p.location?.line]),
      [
        ['error', 'openai_api_key', 4],
        ['warning', 'TZ', 4],
      ],
    );
    assert.match(
      found[0]!.message,
      /gives worker secret openai_api_key as an environment variable through env_file extra\.env/,
    );
    assert.ok(!JSON.stringify(found).includes('sk-abcdef'));
  });

  it('verify’s static proof counts it: four-planes’ compose file is not proven', () => {
    const dir = copyExample('four-planes');
    const r = runCli(['verify'], { cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    assert.doesNotMatch(r.stdout, /grant nothing extra/);
    assert.match(r.stdout, /isolation NOT proven/);
    // Without the over-granting env_file lines, the proof holds.
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  backend:\n    image: b\n');
    rmSync(join(dir, 'docker-compose.prod.yml'));
    const ok = runCli(['verify'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /Compose files grant nothing extra/);
  });
});
