/**
 * `envplane check` end to end, on the built CLI: the seeds' mistakes found with their lines, a clean four-planes
 * project, a hand-written compose file that crosses tenants, SARIF, exit codes, colour, and no secret in any output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { seededBytes as randomBytes } from '../_random.ts';
import { chmodSync, closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RULES } from '../../src/rules/index.ts';
import { CLI, copyExample, hashTree, runCli } from '../_helpers.ts';

interface JsonProblem {
  rule: string;
  severity: string;
  message: string;
  location?: { file: string; line?: number; column?: number };
  related?: { file: string; line?: number }[];
  key?: string;
}
interface JsonReport {
  ok: boolean;
  summary: { errors: number; warnings: number; infos: number; silenced: number };
  problems: JsonProblem[];
  silenced: (JsonProblem & { reason: string })[];
}

const json = (stdout: string) => JSON.parse(stdout) as JsonReport;

/** Every value the service-scoped example keeps in its env files for a secret key: none may be printed. */
function layerSecretValues(dir: string): string[] {
  const secretKeys = [
    'POSTGRES_PASSWORD',
    'JWT_SECRET_KEY',
    'SESSION_SECRET_KEY',
    'ENCRYPTION_KEY',
    'JIRA_TOKEN',
    'GITHUB_TOKEN',
  ];
  const files = ['.env.shared', '.env.backend', '.env.etl.wex', '.env.etl.techcorp', '.env.etl.acme'];
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && secretKeys.includes(m[1]!))
      // `pulse` is also the project's name, which output may mention; every other value must never appear.
      .map((m) => m[2]!)
      .filter((v) => v !== 'pulse'),
  );
}

describe('check on the second seed (examples/service-scoped)', () => {
  const dir = copyExample('service-scoped');
  const r = runCli(['check', '--json', '--env', 'development'], { cwd: dir });
  const report = json(r.stdout);

  test('exits 1 with errors', () => {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(report.ok, false);
    assert.ok(report.summary.errors > 0);
  });

  test('the password in the "NO secrets" .env.shared, with its line', () => {
    const p = report.problems.find((x) => x.rule === 'secret-in-config' && x.key === 'POSTGRES_PASSWORD');
    assert.deepEqual(p?.location, { file: '.env.shared', line: 5, column: 1 });
    assert.ok(report.problems.some((x) => x.rule === 'secret-weak' && x.key === 'POSTGRES_PASSWORD'));
  });

  test('the keys defined twice, with both lines', () => {
    const dups = report.problems.filter((x) => x.rule === 'duplicate-key');
    assert.deepEqual(
      dups.map((d) => [d.key, d.related?.[0]?.line, d.location?.line]),
      [
        ['BACKEND_SERVICE_URL', 13, 17],
        ['ETL_SERVICE_URL', 14, 18],
      ],
    );
  });

  test('the secrets that live in per-service env files', () => {
    const inEnv = report.problems
      .filter((x) => x.rule === 'secret-env-var')
      .map((x) => `${x.location?.file}:${x.location?.line} ${x.key}`);
    for (const expected of [
      '.env.backend:2 JWT_SECRET_KEY',
      '.env.backend:3 SESSION_SECRET_KEY',
      '.env.etl.wex:5 ENCRYPTION_KEY',
      '.env.etl.wex:8 JIRA_TOKEN',
      '.env.etl.techcorp:9 GITHUB_TOKEN',
      '.env.etl.acme:8 JIRA_TOKEN',
    ])
      assert.ok(inEnv.includes(expected), `${expected} in ${inEnv.join(', ')}`);
  });

  test('no secret value in any format', () => {
    const values = layerSecretValues(dir);
    assert.ok(values.length >= 10);
    for (const format of ['text', 'json', 'sarif']) {
      const out = runCli(['check', '--format', format], { cwd: dir, env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
      for (const v of values) {
        assert.ok(!out.stdout.includes(v), `${format} stdout holds a secret value`);
        assert.ok(!out.stderr.includes(v), `${format} stderr holds a secret value`);
      }
    }
  });
});

/** `envplane setup` generates what it can and copies templates; a user then fills in the real API keys. */
function readyFourPlanes(): string {
  const dir = copyExample('four-planes');
  const setup = runCli(['setup'], { cwd: dir });
  assert.equal(setup.code, 0, setup.stderr);
  for (const name of ['openai_api_key', 'aws_access_key_id', 'aws_secret_access_key', 'pip_extra_index_url']) {
    const path = join(dir, 'secrets', `${name}.txt`);
    writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`);
    chmodSync(path, 0o600);
  }
  return dir;
}

describe('check on the first seed (examples/four-planes)', () => {
  test('after setup and real values: no errors, exit 0, nothing on disk changed', () => {
    const dir = readyFourPlanes();
    const before = hashTree(dir);
    const r = runCli(['check', '--json'], { cwd: dir });
    assert.deepEqual(hashTree(dir), before);
    const report = json(r.stdout);
    assert.deepEqual(
      report.problems.filter((p) => p.severity === 'error').map((p) => p.message),
      [],
    );
    assert.equal(r.code, 0);
    assert.equal(report.ok, true);
  });

  test('template values left in place after setup are errors', () => {
    const dir = copyExample('four-planes');
    runCli(['setup'], { cwd: dir });
    const report = json(runCli(['check', '--json', '--env', 'dev'], { cwd: dir }).stdout);
    const weak = report.problems.filter((p) => p.rule === 'secret-weak').map((p) => p.key);
    assert.deepEqual(weak.sort(), [
      'aws_access_key_id',
      'aws_secret_access_key',
      'openai_api_key',
      'pip_extra_index_url',
    ]);
  });

  test('a missing secret file names the instances and the path', () => {
    const dir = copyExample('four-planes');
    const r = runCli(['check', '--env', 'dev', '--service', 'worker'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /secret postgres_password for worker in development: secrets\/postgres_password\.txt does not exist/,
    );
    assert.doesNotMatch(r.stdout, /secret_key/); // worker does not use it: --service narrows the run
  });
});

describe('compose files are held to the manifest', () => {
  test('a hand-written compose that gives etl-wex a techcorp secret is an error with file:line', () => {
    const dir = copyExample('service-scoped');
    writeFileSync(
      join(dir, 'docker-compose.multi-client.yml'),
      [
        'services:',
        '  etl-wex:',
        '    image: pulse/etl',
        '    env_file:',
        '      - .env.shared',
        '      - .env.etl.wex',
        '    secrets:',
        '      - techcorp_jira_token',
        'secrets:',
        '  techcorp_jira_token:',
        '    file: ./secrets/techcorp/JIRA_TOKEN.txt',
        '',
      ].join('\n'),
    );
    const report = json(runCli(['check', '--json'], { cwd: dir }).stdout);
    const p = report.problems.find((x) => x.rule === 'compose-over-grant' && x.message.includes('techcorp_jira_token'));
    assert.deepEqual(p?.location, { file: 'docker-compose.multi-client.yml', line: 8 });
    assert.match(p!.message, /gives etl-wex secret techcorp_jira_token \(JIRA_TOKEN of tenant techcorp\)/);
  });

  test('the seed’s own compose files over-grant config keys only: warnings, no errors', () => {
    const dir = readyFourPlanes();
    const report = json(runCli(['check', '--json'], { cwd: dir }).stdout);
    const grants = report.problems.filter((x) => x.rule === 'compose-over-grant');
    assert.ok(grants.length > 0);
    assert.deepEqual(
      grants.filter((x) => x.severity !== 'warning'),
      [],
    );
  });
});

describe('output formats and exit codes', () => {
  test('SARIF 2.1.0: the rule table and located results', () => {
    const dir = copyExample('service-scoped');
    const r = runCli(['check', '--format', 'sarif'], { cwd: dir });
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.deepEqual(
      run.tool.driver.rules.map((x: { id: string }) => x.id),
      RULES.map((x) => x.id),
    );
    const dup = run.results.find((x: { ruleId: string }) => x.ruleId === 'duplicate-key');
    assert.equal(dup.level, 'warning');
    assert.deepEqual(dup.locations[0].physicalLocation.artifactLocation, {
      uri: '.env.shared',
      uriBaseId: '%SRCROOT%',
    });
    assert.equal(dup.locations[0].physicalLocation.region.startLine, 17);
    assert.equal(run.tool.driver.rules[dup.ruleIndex].id, 'duplicate-key');
    for (const result of run.results) assert.ok(result.locations[0].physicalLocation.artifactLocation.uri);
  });

  test('text: grouped by file, or by rule; colour only when asked', () => {
    const dir = copyExample('service-scoped');
    const plain = runCli(['check'], { cwd: dir });
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    assert.match(plain.stdout, /^\.env\.shared$/m);
    assert.match(plain.stdout, /^\s+17:1\s+warning\s+BACKEND_SERVICE_URL is set 2 times/m);
    const byRule = runCli(['check', '--group-by', 'rule'], { cwd: dir });
    assert.match(byRule.stdout, /^duplicate-key: Key defined twice in one layer$/m);
    assert.match(byRule.stdout, /^\s+\.env\.shared:17:1 /m);
    const coloured = runCli(['check'], { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    assert.match(coloured.stdout, /\x1b\[31merror/);
  });

  test('colour follows the terminal: none into a pipe, none on a terminal with NO_COLOR, even with FORCE_COLOR', () => {
    const dir = copyExample('service-scoped');
    const noColourEnv = { NO_COLOR: undefined, FORCE_COLOR: undefined };
    const piped = runCli(['check'], { cwd: dir, env: noColourEnv });
    assert.equal(piped.code, 1);
    assert.match(piped.stdout, /error/);
    assert.doesNotMatch(piped.stdout, /\x1b\[/, 'a pipe gets no colour');
    const both = runCli(['check'], { cwd: dir, env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    assert.doesNotMatch(both.stdout, /\x1b\[/, 'NO_COLOR wins over FORCE_COLOR');
    // A real terminal (util-linux `script`): coloured, unless NO_COLOR is set.
    const onTerminal = (env: Record<string, string | undefined>) => {
      const r = spawnSync(
        'script',
        ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} check`, '/dev/null'],
        {
          cwd: dir,
          env: { ...process.env, ...env },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      assert.equal(r.error, undefined, 'the `script` command (util-linux) is required');
      assert.match(r.stdout, /error/);
      return r.stdout;
    };
    assert.match(onTerminal(noColourEnv), /\x1b\[31merror/);
    assert.doesNotMatch(onTerminal({ NO_COLOR: '1', FORCE_COLOR: undefined }), /\x1b\[/);
  });

  test('stdout and stderr decide their colour each for itself; /dev/null is not a terminal', () => {
    const dir = copyExample('service-scoped');
    const env = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined };
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} render nope`;
    // stdout into /dev/null (a character device, like a terminal), stderr into a pipe: no colour on stderr.
    const devNull = openSync('/dev/null', 'w');
    const piped = spawnSync(process.execPath, [CLI, 'render', 'nope'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      stdio: ['ignore', devNull, 'pipe'],
    });
    closeSync(devNull);
    assert.equal(piped.status, 2);
    assert.match(piped.stderr, /^error: unknown target "nope"/);
    const onTerminal = (shell: string) => {
      const r = spawnSync('script', ['-qec', shell, '/dev/null'], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.error, undefined, 'the `script` command (util-linux) is required');
      return r.stdout;
    };
    // stderr on a terminal, stdout into /dev/null: the error is coloured.
    assert.match(onTerminal(`${command} > /dev/null`), /\x1b\[31merror\x1b\[39m: unknown target "nope"/);
    // stderr into a file, from a terminal: the file gets plain text.
    onTerminal(`${command} 2> err.txt`);
    assert.match(readFileSync(join(dir, 'err.txt'), 'utf8'), /^error: unknown target "nope"/);
  });

  test('--strict fails on warnings; usage errors exit 2', () => {
    const dir = readyFourPlanes();
    writeFileSync(join(dir, 'config/dev.env'), `${readFileSync(join(dir, 'config/dev.env'), 'utf8')}DEBUG=true\n`);
    assert.equal(runCli(['check'], { cwd: dir }).code, 0);
    const strict = runCli(['check', '--strict'], { cwd: dir });
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /DEBUG is set 2 times in config\/dev\.env/);
    const bad = runCli(['check', '--format', 'xml'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be one of text, json, sarif/);
    assert.equal(runCli(['check', '--env', 'staging'], { cwd: dir }).code, 2);
    assert.equal(runCli(['check', '--fromat', 'json'], { cwd: dir }).code, 2);
  });

  test('silences are counted and listed with their reason; an unknown rule id is refused with its line', () => {
    const dir = readyFourPlanes();
    const manifest = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    const devEnv = join(dir, 'config/dev.env');
    writeFileSync(devEnv, `${readFileSync(devEnv, 'utf8')}DEBUG=true\n`);
    writeFileSync(
      join(dir, 'envplane.yaml'),
      `${manifest}silence:\n  - { rule: duplicate-key, file: config/dev.env, reason: "generated by the legacy script" }\n`,
    );
    // The hand-written compose files' over-grants are warnings, which --strict would count.
    for (const f of ['docker-compose.yml', 'docker-compose.prod.yml']) rmSync(join(dir, f));
    const r = runCli(['check', '--json', '--strict'], { cwd: dir });
    const report = json(r.stdout);
    assert.equal(report.summary.silenced, 1);
    assert.equal(report.silenced[0]?.reason, 'generated by the legacy script');
    assert.equal(r.code, 0, r.stdout);
    assert.match(runCli(['check'], { cwd: dir }).stdout, /silenced \(1\):[\s\S]*generated by the legacy script/);

    writeFileSync(join(dir, 'envplane.yaml'), `${manifest}silence:\n  - { rule: duplicate-keys, reason: "x" }\n`);
    const bad = runCli(['check'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /envplane\.yaml:\d+:\d+: silence names unknown rule "duplicate-keys"/);
    assert.match(bad.stderr, /did you mean "duplicate-key"\?/);
  });

  test('--help lists every option with its default', () => {
    const r = runCli(['check', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--env', '--service', '--json', '--format', '--group-by', '--strict', '--dir'])
      assert.ok(r.stdout.includes(flag), flag);
    assert.match(r.stdout, /default: text/);
    assert.match(r.stdout, /default: file/);
  });
});
