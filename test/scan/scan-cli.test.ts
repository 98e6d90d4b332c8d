/**
 * `envplane scan` end to end, in real git repositories: a planted value is found in a committed file, in a commit
 * that was reverted, and in a built bundle, each at file:line, and the value never reaches stdout or stderr in any
 * of its forms.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { seededBytes as randomBytes } from '../_random.ts';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { encodedForms } from '../../src/scan/encodings.ts';
import { copyExample, type CliResult, runCli } from '../_helpers.ts';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
}

function write(root: string, path: string, text: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** Every way the value could be shown: as is and each encoded form the scanner looks for, plus plain base64. */
function assertNeverShown(r: CliResult, ...secrets: string[]): void {
  const out = r.stdout + r.stderr;
  for (const secret of secrets) {
    const forms = [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      ...encodedForms(secret).map((f) => new TextDecoder().decode(f.bytes)),
    ];
    for (const form of forms) assert.ok(!out.includes(form), 'a secret value (or an encoding of it) was printed');
  }
}

interface Fixture {
  dir: string;
  password: string;
  secretKey: string;
}

/** The first seed's project as a git repo, with real values in its files store (ignored, as setup makes it). */
function project(): Fixture {
  const dir = copyExample('four-planes');
  const password = randomBytes(32).toString('base64');
  const secretKey = randomBytes(32).toString('hex');
  write(dir, 'secrets/postgres_password.txt', `${password}\n`);
  write(dir, 'secrets/secret_key.txt', `${secretKey}\n`);
  write(dir, 'secrets/openai_api_key.txt', 'sk-1234\n');
  write(dir, '.gitignore', 'secrets/*.txt\ndist/\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'init');
  return { dir, password, secretKey };
}

test('finds a value in a committed file at file:line:column, exit 1, never printing it', () => {
  const { dir, password, secretKey } = project();
  write(dir, 'services/backend/settings.py', `import os\n\nDB_URL = "postgres://app:${password}@db/app"\n`);
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'oops');
  const r = runCli(['scan'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /services\/backend\/settings\.py:3:26: value of postgres_password \(development\)/);
  // The store files are the values' home, not a leak.
  assert.doesNotMatch(r.stdout, /secrets\/postgres_password\.txt/);
  assertNeverShown(r, password, secretKey);

  const json = runCli(['scan', '--json'], { cwd: dir });
  const report = JSON.parse(json.stdout);
  assert.deepEqual(
    report.leaks.map((l: { file: string; line: number; column: number; encoding: string }) => [
      l.file,
      l.line,
      l.column,
      l.encoding,
    ]),
    [['services/backend/settings.py', 3, 26, 'literal']],
  );
  assert.deepEqual(report.leaks[0].secrets, [{ name: 'postgres_password', environment: 'development', tenant: null }]);
  // openai_api_key holds 7 characters: too short to search, and counted.
  assert.equal(report.stats.skippedShort, 1);
  assert.equal(report.stats.knownValues, 2);
  assertNeverShown(json, password, secretKey);
});

test('--history finds a value in a commit that was later reverted, naming the commit', () => {
  const { dir, password, secretKey } = project();
  write(dir, 'config.js', `module.exports = {\n  debug: true,\n  key: '${secretKey}',\n};\n`);
  git(dir, 'add', 'config.js');
  git(dir, 'commit', '-qm', 'add config');
  const leaked = git(dir, 'rev-parse', 'HEAD').trim();
  git(dir, 'revert', '--no-edit', 'HEAD');
  write(dir, 'notes.md', 'nothing to see\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'notes');

  const now = runCli(['scan'], { cwd: dir });
  assert.equal(now.code, 0, now.stdout);
  const r = runCli(['scan', '--history'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stdout.includes(`config.js:3:9 in commit ${leaked.slice(0, 12)}: value of secret_key (development)`));
  assertNeverShown(r, password, secretKey);
  const report = JSON.parse(runCli(['scan', '--history', '--json'], { cwd: dir }).stdout);
  assert.equal(report.mode, 'history');
  assert.deepEqual(
    report.leaks.map((l: { file: string; line: number; commit: string }) => [l.file, l.line, l.commit]),
    [['config.js', 3, leaked]],
  );
});

test('finds values in an ignored build folder: a minified bundle string and base64 inside a larger blob', () => {
  const { dir, password, secretKey } = project();
  const bundle = `(()=>{var e={api:"/api/v1"},t="${password}";function n(){return fetch(e.api,{headers:{a:t}})}n()})();\n`;
  write(dir, 'dist/assets/index-3f9a1c.js', bundle);
  // An inline asset: the secret sits 2 bytes into a larger binary blob (the hardest base64 alignment).
  const blob = Buffer.concat([randomBytes(301), Buffer.from(`k=${secretKey};`), randomBytes(77)]).toString('base64');
  write(dir, 'dist/assets/font.js', `export default "data:font/woff2;base64,${blob}";\n`);
  const r = runCli(['scan', '--json'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const leaks = JSON.parse(r.stdout).leaks.map(
    (l: { file: string; line: number; column: number; encoding: string }) => [l.file, l.line, l.encoding],
  );
  assert.deepEqual(leaks, [
    ['dist/assets/font.js', 1, 'base64'],
    ['dist/assets/index-3f9a1c.js', 1, 'literal'],
  ]);
  const text = runCli(['scan'], { cwd: dir });
  assert.ok(text.stdout.includes(`dist/assets/index-3f9a1c.js:1:${bundle.indexOf(password) + 1}:`));
  assertNeverShown(text, password, secretKey);
  assertNeverShown(r, password, secretKey);
  // Other build folders named: dist is no longer read; named folders that are not there are said, by name.
  const others = runCli(['scan', '--build-dirs', 'build,out'], { cwd: dir });
  assert.equal(others.code, 0);
  assert.match(others.stdout, /notice build: not scanned, no such folder \(named by --build-dirs\)/);
  assert.match(others.stdout, /notice out: not scanned, no such folder/);
  // The defaults are looked for quietly: most projects have only some of them.
  assert.doesNotMatch(runCli(['scan'], { cwd: dir }).stdout, /no such folder/);
});

test('the store files, their .previous copies and .envplane/ are skipped; an .example holding a real value is not', () => {
  const { dir, password } = project();
  write(dir, 'secrets/postgres_password.txt.previous', `${password}\n`);
  write(dir, '.envplane/state.json', JSON.stringify({ cache: password }));
  // Untracked and not ignored: the next `git add .` would commit it.
  write(dir, 'secrets/postgres_password.txt.example', `${password}\n`);
  const r = runCli(['scan', '--json'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.deepEqual(
    JSON.parse(r.stdout).leaks.map((l: { file: string }) => l.file),
    ['secrets/postgres_password.txt.example'],
  );
});

test('only the live temp files envplane writes for secret homes are skipped, each named; other .envplane-tmp-* are read', () => {
  const { dir, password } = project();
  // Outside git every file is read (in a repository, ignored ones in the store folder are not read at all).
  rmSync(join(dir, '.git'), { recursive: true });
  // The test process is alive and is not the scanning process: a writer still at work.
  const live = process.pid;
  const dead = spawnSync('true').pid!;
  const hex = '0123456789ab';
  const skipped = `secrets/.envplane-tmp-${live}-${hex}-postgres_password.txt`;
  write(dir, skipped, `${password}\n`);
  write(dir, `secrets/.envplane-tmp-${live}-${hex}-postgres_password.txt.previous`, `${password}\n`);
  const read = [
    'dist/.envplane-tmp-app.js', // a build output named like a temp file
    `dist/.envplane-tmp-${live}-${hex}-app.js`, // not beside a secret home
    `secrets/.envplane-tmp-${dead}-${hex}-postgres_password.txt`, // its writer is gone: a leftover copy
    `secrets/.envplane-tmp-${live}-${hex}-notes.txt`, // beside the store, but no store file's temp
    'secrets/.envplane-tmp-postgres_password.txt.1a2b3c', // not a name envplane writes
    `config/.envplane-tmp-${live}-${hex}-postgres_password.txt`, // the right name in the wrong folder
  ];
  for (const path of read) write(dir, path, `x = "${password}"\n`);
  const r = runCli(['scan', '--json'], { cwd: dir });
  assert.equal(r.code, 1);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.leaks.map((l: { file: string }) => l.file).sort(), [...read].sort());
  const notices = json.notices.map((n: { file: string; reason: string }) => `${n.file}: ${n.reason}`);
  assert.deepEqual(notices, [
    `${skipped}: envplane's own temp file, still being written (pid ${live})`,
    `secrets/.envplane-tmp-${live}-${hex}-postgres_password.txt.previous: envplane's own temp file, still being written (pid ${live})`,
  ]);
  const text = runCli(['scan'], { cwd: dir });
  assert.match(
    text.stdout,
    new RegExp(`notice ${skipped.replaceAll('.', '\\.')}: not scanned, envplane's own temp file`),
  );
  assertNeverShown(text, password);
});

test('--staged reads the staged blobs: blocks a staged value, passes a clean index', () => {
  const { dir, password } = project();
  write(dir, 'app.env', `DATABASE_PASSWORD=${password}\n`);
  assert.equal(runCli(['scan', '--staged'], { cwd: dir }).code, 0, 'nothing staged yet');
  git(dir, 'add', 'app.env');
  const r = runCli(['scan', '--staged'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /app\.env:1:19: value of postgres_password/);
  assertNeverShown(r, password);
  // The staged blob is what counts, not the file on disk.
  write(dir, 'app.env', 'DATABASE_PASSWORD=\n');
  assert.equal(runCli(['scan', '--staged'], { cwd: dir }).code, 1);
  git(dir, 'add', 'app.env');
  assert.equal(runCli(['scan', '--staged'], { cwd: dir }).code, 0);
});

test('secret-shaped strings warn (exit 0), fail with --strict, and are off with --no-patterns', () => {
  const { dir } = project();
  write(dir, 'deploy.sh', 'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n');
  const r = runCli(['scan'], { cwd: dir });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /warning deploy\.sh:1:26: an AWS access key id \(aws-access-key-id\)/);
  assert.equal(runCli(['scan', '--strict'], { cwd: dir }).code, 1);
  const quiet = runCli(['scan', '--no-patterns', '--json'], { cwd: dir });
  assert.equal(quiet.code, 0);
  assert.deepEqual(JSON.parse(quiet.stdout).warnings, []);
});

test('secrets still in config layers: their own line is information; a copy elsewhere is a leak', () => {
  const dir = copyExample('service-scoped');
  git(dir, 'init', '-q');
  const clean = runCli(['scan', '--json'], { cwd: dir });
  assert.equal(clean.code, 0, clean.stdout);
  const report = JSON.parse(clean.stdout);
  assert.deepEqual(report.leaks, []);
  assert.ok(
    report.homes.some(
      (h: { file: string; secrets: { name: string; tenant: string | null }[] }) =>
        h.file === '.env.etl.wex' && h.secrets[0]!.name === 'JIRA_TOKEN' && h.secrets[0]!.tenant === 'wex',
    ),
  );
  // `.env.shared` holds POSTGRES_PASSWORD=pulse: five characters, not searched.
  assert.equal(report.stats.skippedShort, 1);
  write(dir, 'services/etl/README.md', 'token for testing: wex-jira-api-token\n');
  const r = runCli(['scan'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /services\/etl\/README\.md:1:20: value of JIRA_TOKEN@wex \(development\)/);
  assertNeverShown(r, 'wex-jira-api-token');
});

test('a layer value written with escapes is still at home on its own line', () => {
  const dir = copyExample('service-scoped');
  git(dir, 'init', '-q');
  write(
    dir,
    '.env.backend',
    'JWT_SECRET_KEY="tab\\there \\"quoted\\" and more"\nSESSION_SECRET_KEY=session-secret-value\n',
  );
  const r = runCli(['scan', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout);
  const homes = JSON.parse(r.stdout).homes.filter((h: { file: string }) => h.file === '.env.backend');
  assert.deepEqual(
    homes.map((h: { line: number; secrets: { name: string }[] }) => [h.line, h.secrets[0]!.name]),
    [
      [1, 'JWT_SECRET_KEY'],
      [2, 'SESSION_SECRET_KEY'],
    ],
  );
});

test('files over 50 MB are passed over with a notice; --progress reports files and MB on stderr', () => {
  const { dir } = project();
  const fd = openSync(join(dir, 'huge.bin'), 'w');
  ftruncateSync(fd, 51 * 1024 * 1024);
  closeSync(fd);
  const r = runCli(['scan', '--progress'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /notice huge\.bin: not scanned, larger than 50 MB/);
  assert.match(r.stderr, /scanning: \d+ files, \d+\.\d MB/);
  assert.match(r.stderr, /scanned: \d+ files, \d+\.\d MB\n$/);
  assert.doesNotMatch(runCli(['scan'], { cwd: dir }).stderr, /scanning/);
});

test('outside git: every project file is read except node_modules/ and .git/; links are not followed', () => {
  const dir = copyExample('four-planes');
  const password = randomBytes(24).toString('base64');
  write(dir, 'secrets/postgres_password.txt', password);
  write(dir, 'services/backend/app.py', `PASSWORD = '${password}'\n`);
  write(dir, 'node_modules/some-lib/index.js', `module.exports = '${password}';\n`);
  symlinkSync(join(dir, 'secrets/postgres_password.txt'), join(dir, 'linked.txt'));
  const r = runCli(['scan', '--json'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.deepEqual(
    JSON.parse(r.stdout).leaks.map((l: { file: string }) => l.file),
    ['services/backend/app.py'],
  );
  assertNeverShown(r, password);
});

test('usage errors exit 2', () => {
  const { dir } = project();
  assert.equal(runCli(['scan', '--staged', '--history'], { cwd: dir }).code, 2);
  assert.equal(runCli(['scan', '--stagged'], { cwd: dir }).code, 2);
  assert.equal(runCli(['scan', '--build-dirs', '../elsewhere'], { cwd: dir }).code, 2);
  const outside = copyExample('four-planes');
  const r = runCli(['scan', '--history'], { cwd: outside });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs a git repository/);
  assert.match(runCli(['scan', '--help'], { cwd: dir }).stdout, /default: dist,build,\.next,out/);
});
