import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stageSecretFile } from '../../src/stores/files.ts';
import { rotateFile, type StageSecret } from '../../src/stores/rotate.ts';
import { readRotationState, secretAgeDays } from '../../src/stores/state.ts';
import { copyExample, hashTree, runCli, tempDir } from '../_helpers.ts';

const mode = (p: string) => statSync(p).mode & 0o777;
const text = (p: string) => readFileSync(p, 'utf8');

function setUp(): string {
  const dir = copyExample('four-planes');
  assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
  return dir;
}

describe('rotate', () => {
  it('generates a new value, keeps the old one as .previous (0600), records the time, and rolls back once', () => {
    const dir = setUp();
    const file = join(dir, 'secrets', 'postgres_password.txt');
    const old = text(file);
    const r = runCli(['rotate', 'postgres_password', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const now = text(file);
    assert.notEqual(now, old);
    assert.equal(Buffer.from(now.trimEnd(), 'base64').length, 32);
    assert.equal(mode(file), 0o600);
    assert.equal(text(`${file}.previous`), old);
    assert.equal(mode(`${file}.previous`), 0o600);

    const state = readRotationState(dir);
    const record = state.secrets['development/postgres_password'];
    assert.equal(record?.by, 'rotate');
    const age = secretAgeDays(state, 'development', 'postgres_password', undefined, new Date());
    assert.ok(age !== undefined && age >= 0 && age < 0.01);
    assert.ok(!JSON.stringify(state).includes(now.trimEnd()), 'the state holds no value');

    const back = runCli(['rotate', 'postgres_password', '--env', 'dev', '--rollback'], { cwd: dir });
    assert.equal(back.code, 0, back.stderr);
    assert.equal(text(file), old);
    assert.equal(existsSync(`${file}.previous`), false);
    const twice = runCli(['rotate', 'postgres_password', '--env', 'dev', '--rollback'], { cwd: dir });
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /no previous value/);
    assert.equal(text(file), old);
  });

  it('takes a value from stdin: one trailing newline dropped; empty, NUL and invalid UTF-8 refused', () => {
    const dir = setUp();
    const file = join(dir, 'secrets', 'openai_api_key.txt');
    const r = runCli(['rotate', 'openai_api_key', '-e', 'development', '--from-stdin'], {
      cwd: dir,
      input: 'sk-new\n',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(text(file), 'sk-new\n');
    for (const input of ['', '\n', 'a\0b']) {
      const before = hashTree(dir);
      const bad = runCli(['rotate', 'openai_api_key', '-e', 'dev', '--from-stdin'], { cwd: dir, input });
      assert.equal(bad.code, 2, JSON.stringify(input));
      assert.deepEqual(hashTree(dir), before);
    }
    const spaced = runCli(['rotate', 'openai_api_key', '-e', 'dev', '--from-stdin'], {
      cwd: dir,
      input: ' two\nlines \r\n',
    });
    assert.equal(spaced.code, 0);
    assert.equal(text(file), ' two\nlines \n');
  });

  it('a secret without a generation rule needs --from-stdin', () => {
    const dir = setUp();
    const r = runCli(['rotate', 'openai_api_key', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--from-stdin/);
  });

  it('refuses an external store, a config-file secret, unknown names and wrong tenants, changing nothing', () => {
    const dir = setUp();
    const cases: [string[], RegExp][] = [
      [['rotate', 'postgres_password', '--env', 'prod'], /external store/],
      [['rotate', 'postgres_pasword', '--env', 'dev'], /unknown secret[\s\S]*postgres_password/],
      [['rotate', 'POSTGRES_USER', '--env', 'dev'], /not a secret/],
      [['rotate', 'postgres_password', '--env', 'dev', '--tenant', 'wex'], /not per tenant/],
      [['rotate', 'postgres_password', '--env', 'dev', '--rollback', '--from-stdin'], /do not go together/],
      [['rotate', '--env', 'dev'], /missing the secret to rotate/],
    ];
    const before = hashTree(dir);
    for (const [args, message] of cases) {
      const r = runCli(args, { cwd: dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
    assert.deepEqual(hashTree(dir), before);

    const scoped = copyExample('service-scoped');
    const layer = runCli(['rotate', 'JWT_SECRET_KEY', '--env', 'dev'], { cwd: scoped });
    assert.equal(layer.code, 2);
    assert.match(layer.stderr, /\.env\.backend:\d+.*config file[\s\S]*envplane migrate/);
    const noTenant = runCli(['rotate', 'ENCRYPTION_KEY', '--env', 'dev'], { cwd: scoped });
    assert.match(noTenant.stderr, /per tenant; name one with --tenant/);
  });

  it('per-tenant secrets rotate in secrets/<tenant>/ and only for that tenant', () => {
    const dir = copyExample('service-scoped');
    for (const t of ['wex', 'techcorp', 'acme']) {
      const p = join(dir, `.env.etl.${t}`);
      writeFileSync(p, text(p).replace(/^ENCRYPTION_KEY=.*$/m, ''));
    }
    const r = runCli(['rotate', 'ENCRYPTION_KEY', '--env', 'dev', '--tenant', 'acme'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Buffer.from(text(join(dir, 'secrets', 'acme', 'ENCRYPTION_KEY.txt')).trimEnd(), 'base64').length, 32);
    assert.equal(mode(join(dir, 'secrets', 'acme')), 0o700);
    assert.equal(existsSync(join(dir, 'secrets', 'wex', 'ENCRYPTION_KEY.txt')), false);
    assert.equal(readRotationState(dir).secrets['development/ENCRYPTION_KEY@acme']?.by, 'rotate');
  });

  it('--dry-run writes nothing; a symlinked secret file is refused and its target untouched', () => {
    const dir = setUp();
    const before = hashTree(dir);
    const dry = runCli(['rotate', 'secret_key', '--env', 'dev', '--dry-run'], { cwd: dir });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would rotate/);
    assert.deepEqual(hashTree(dir), before);

    const outside = join(tempDir(), 'elsewhere.txt');
    writeFileSync(outside, 'keep me\n', { mode: 0o644 });
    const file = join(dir, 'secrets', 'secret_key.txt');
    unlinkSync(file);
    symlinkSync(outside, file);
    const r = runCli(['rotate', 'secret_key', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /symbolic link/);
    assert.equal(text(outside), 'keep me\n');
    assert.equal(mode(outside), 0o644);
  });

  it('a wider existing file is replaced by a 0600 one (a rotation never widens a mode)', () => {
    const dir = setUp();
    const file = join(dir, 'secrets', 'secret_key.txt');
    chmodSync(file, 0o644);
    assert.equal(runCli(['rotate', 'secret_key', '--env', 'dev'], { cwd: dir }).code, 0);
    assert.equal(mode(file), 0o600);
    assert.equal(mode(`${file}.previous`), 0o600);
  });
});

describe('rotateFile when the new value cannot be written', () => {
  const FILE = { storeDir: 'secrets', path: 'secrets/k.txt' };
  /** A store with a current value and an older rollback target, as after one earlier rotation. */
  function store(withPrevious: boolean): string {
    const root = tempDir();
    mkdirSync(join(root, 'secrets'), { mode: 0o700 });
    writeFileSync(join(root, 'secrets', 'k.txt'), 'current\n', { mode: 0o600 });
    if (withPrevious) writeFileSync(join(root, 'secrets', 'k.txt.previous'), 'older\n', { mode: 0o600 });
    return root;
  }
  const diskFull = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });

  it('a failed write of the new value leaves .previous and the secret as they were, and no temp file', () => {
    for (const withPrevious of [true, false]) {
      const root = store(withPrevious);
      const before = hashTree(root);
      // The seam: the real writer fails before anything is renamed, as a full disk or a size limit makes it.
      const failing: StageSecret = () => {
        throw diskFull();
      };
      assert.throws(() => rotateFile(root, FILE, 'new-value', failing), /no space/);
      assert.deepEqual(hashTree(root), before, `withPrevious=${withPrevious}`);
    }
  });

  it('a failed rename after .previous was saved puts the older .previous back (or removes the new one)', () => {
    for (const withPrevious of [true, false]) {
      const root = store(withPrevious);
      const before = hashTree(root);
      // The new value is really written to a temp file; only its rename fails.
      const failingCommit: StageSecret = (...args) => {
        const staged = stageSecretFile(...args);
        return {
          commit: () => {
            throw diskFull();
          },
          discard: () => staged.discard(),
        };
      };
      assert.throws(() => rotateFile(root, FILE, 'new-value', failingCommit), /no space/);
      assert.deepEqual(hashTree(root), before, `withPrevious=${withPrevious}`);
      assert.equal(text(join(root, 'secrets', 'k.txt')), 'current\n');
    }
  });

  it('the same store rotates normally with the real writer: .previous becomes the replaced value', () => {
    const root = store(true);
    assert.deepEqual(rotateFile(root, FILE, 'new-value'), { keptPrevious: true });
    assert.equal(text(join(root, 'secrets', 'k.txt')), 'new-value\n');
    assert.equal(text(join(root, 'secrets', 'k.txt.previous')), 'current\n');
    assert.equal(mode(join(root, 'secrets', 'k.txt')), 0o600);
    assert.deepEqual(
      readdirSync(join(root, 'secrets')).filter((n) => n.startsWith('.envplane-tmp-')),
      [],
    );
  });
});

describe('readSecretValue', () => {
  it('strips exactly one trailing newline, treats empty as missing, refuses links and escaping paths', async () => {
    const { readSecretValue } = await import('../../src/stores/read.ts');
    const root = tempDir();
    mkdirSync(join(root, 'secrets'));
    const cases: [string, string | undefined][] = [
      ['v\n', 'v'],
      ['v\n\n', 'v\n'],
      ['v\r\n', 'v'],
      ['v', 'v'],
      ['', undefined],
      ['\n', undefined],
    ];
    for (const [written, expected] of cases) {
      writeFileSync(join(root, 'secrets', 'x.txt'), written);
      assert.equal(readSecretValue(root, { kind: 'file', path: 'secrets/x.txt' }), expected, JSON.stringify(written));
    }
    assert.equal(readSecretValue(root, { kind: 'file', path: 'secrets/none.txt' }), undefined);
    symlinkSync(join(root, 'secrets', 'x.txt'), join(root, 'secrets', 'link.txt'));
    assert.throws(() => readSecretValue(root, { kind: 'file', path: 'secrets/link.txt' }), /symbolic link/);
    // a FIFO is refused at once, not waited on (open would block until a writer came)
    assert.equal(spawnSync('mkfifo', [join(root, 'secrets', 'pipe.txt')]).status, 0);
    assert.throws(() => readSecretValue(root, { kind: 'file', path: 'secrets/pipe.txt' }), /not a regular file/);
    for (const path of ['../x.txt', 'secrets/../../x', '/etc/passwd', 'secrets\\..\\..\\x'])
      assert.throws(() => readSecretValue(root, { kind: 'file', path }), /leaves the project/, path);
  });
});

describe('valueFromBytes', () => {
  it('drops one trailing newline, refuses empty, NUL and invalid UTF-8 without quoting the value', async () => {
    const { valueFromBytes } = await import('../../src/stores/value.ts');
    const b = (s: string) => Buffer.from(s, 'utf8');
    assert.equal(valueFromBytes(b('v\n'), '<stdin>'), 'v');
    assert.equal(valueFromBytes(b('v\n\n'), '<stdin>'), 'v\n');
    assert.equal(valueFromBytes(b('v\r\n'), '<stdin>'), 'v');
    assert.equal(valueFromBytes(b('é'), '<stdin>'), 'é');
    for (const bad of [b(''), b('\r\n'), b('se\0cret'), Buffer.from([0x73, 0x65, 0xff, 0x63])]) {
      assert.throws(
        () => valueFromBytes(bad, '<stdin>'),
        (e: Error) => !e.message.includes('se') && /empty|NUL|UTF-8/.test(e.message),
      );
    }
  });
});
