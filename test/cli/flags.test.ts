/** `parseFlags` (src/cli/_flags.ts): strict flags against a command's citty args, errors that never echo a value. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import type { ArgsDef } from 'citty';
import fc from 'fast-check';
import { parseFlags } from '../../src/cli/_flags.ts';
import { commands } from '../../src/cli/commands.ts';
import { EnvplaneError } from '../../src/errors.ts';
import { copyExample, hashTree, runCli } from '../_helpers.ts';

const DEF = {
  target: { type: 'positional', description: 'what', required: false },
  provider: { type: 'positional', description: 'which', required: false },
  env: { type: 'string', alias: 'e', description: 'environment' },
  secrets: { type: 'string', description: 'mode', default: 'files' },
  'dry-run': { type: 'boolean', description: 'plan only' },
  json: { type: 'boolean', description: 'JSON' },
} as const satisfies ArgsDef;

function usageError(fn: () => unknown): EnvplaneError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EnvplaneError, String(error));
    assert.equal(error.kind, 'usage');
    return error;
  }
  assert.fail('no error');
}

describe('parseFlags', () => {
  test('values by declared name, one-letter aliases, --flag=value, defaults, positionals in order', () => {
    const flags = parseFlags('render', DEF, ['ci', '-e', 'dev', 'github', '--dry-run', '--secrets=env']);
    assert.equal(flags.env, 'dev');
    assert.equal(flags['dry-run'], true);
    assert.equal(flags.secrets, 'env');
    assert.equal(flags.target, 'ci');
    assert.equal(flags.provider, 'github');
    assert.deepEqual(flags._, ['ci', 'github']);
    assert.equal(parseFlags('render', DEF, []).secrets, 'files', 'the default');
    assert.equal(parseFlags('render', DEF, ['-edev']).env, 'dev');
  });

  test('--no-<flag> turns a boolean off; everything after -- is left alone', () => {
    const flags = parseFlags('run', DEF, ['--json', '--no-json', '--', 'node', '--unknown', '-x', '--no-dry-run']);
    assert.equal(flags.json, false);
    assert.equal(flags['dry-run'], undefined);
    assert.deepEqual(flags._, ['node', '--unknown', '-x', '--no-dry-run']);
    assert.equal(flags.target, undefined, 'the child’s argv fills no positional');
  });

  test('an unknown flag: usage error with the closest name, long or short', () => {
    assert.match(usageError(() => parseFlags('render', DEF, ['--jsn'])).hint ?? '', /did you mean "json"/);
    assert.match(
      usageError(() => parseFlags('render', DEF, ['-x'])).message,
      /unknown option "-x" for "envplane render"/,
    );
    assert.match(usageError(() => parseFlags('render', DEF, ['--no-env'])).message, /"--no-env"/);
  });

  test('a flag without its value, a boolean with one, a missing required positional', () => {
    assert.equal(usageError(() => parseFlags('run', DEF, ['--env'])).message, '--env needs a value');
    assert.equal(usageError(() => parseFlags('run', DEF, ['-e'])).message, '--env needs a value');
    assert.equal(usageError(() => parseFlags('run', DEF, ['--json=false'])).message, '--json takes no value');
    assert.equal(usageError(() => parseFlags('run', DEF, ['--env', '--json'])).message, '--env needs a value');
    assert.equal(parseFlags('run', DEF, ['--env=-odd']).env, '-odd', 'an inline value may start with a dash');
    assert.equal(parseFlags('export', DEF, ['-e', '-']).env, '-', 'a lone dash is a value (stdout, as in -o -)');
    const hooks = { action: { type: 'positional', description: 'install', required: true } } as const;
    assert.equal(usageError(() => parseFlags('hooks', hooks, [])).message, 'missing <action> for envplane hooks');
  });

  test('an argument beyond the declared positionals is a usage error that counts it and never repeats it', () => {
    const extra = usageError(() => parseFlags('render', DEF, ['ci', 'github', 'Sk+canary/0123']));
    assert.equal(extra.message, '1 unexpected argument for envplane render');
    assert.match(extra.hint ?? '', /takes <target> <provider>/);
    const none = usageError(() => parseFlags('check', { json: DEF.json }, ['production', 'Sk+canary/0123']));
    assert.equal(none.message, '2 unexpected arguments for envplane check');
    assert.match(none.hint ?? '', /takes no arguments/);
    for (const e of [extra, none]) assert.ok(!`${e.message} ${e.hint}`.includes('canary'));
    const run = usageError(() => parseFlags('run', { json: DEF.json }, ['node', 'app.js']));
    assert.match(run.hint ?? '', /after `--`/);
    assert.deepEqual(parseFlags('run', { json: DEF.json }, ['--', 'node', 'app.js'])._, ['node', 'app.js']);
  });

  test('the CLI: a stray argument is refused (exit 2) rather than ignored; a missing one is named <name>', () => {
    const dir = copyExample('four-planes');
    const cases: [string[], RegExp][] = [
      [['check', 'production'], /1 unexpected argument for envplane check/],
      [['audit', 'show', 'verify'], /1 unexpected argument for envplane audit/],
      [['render', 'compose', 'prod', '--env', 'dev', '-o', '-'], /unexpected argument for envplane render compose/],
      [['explain', '--env', 'dev', '--service', 'backend'], /missing <KEY>/],
      [['render', '--env', 'dev'], /missing <target>/],
      [['render', 'ci', '--env', 'dev'], /missing <provider>/],
    ];
    for (const [argv, message] of cases) {
      const r = runCli(argv, { cwd: dir });
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, message, argv.join(' '));
      assert.equal(r.stdout, '', argv.join(' '));
    }
  });

  test('inherited property names are unknown flags, not flags', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      assert.match(usageError(() => parseFlags('env', DEF, [`--${name}=1`])).message, /unknown option/);
  });

  test('every registered command’s flags are readable (no citty feature this reader lacks)', async () => {
    for (const [name, entry] of Object.entries(commands)) {
      const command = await entry.load();
      const args: ArgsDef = (typeof command.args === 'function' ? await command.args() : await command.args) ?? {};
      const required = Object.values(args).some((a) => a.type === 'positional' && a.required);
      if (required) assert.throws(() => parseFlags(name, args, []), EnvplaneError);
      else assert.doesNotThrow(() => parseFlags(name, args, []), name);
    }
  });

  test('a citty feature it does not implement is refused when the command is defined, not ignored', () => {
    for (const arg of [
      { type: 'enum', options: ['a'], description: '' },
      { type: 'string', required: true, description: '' },
      { type: 'string', alias: 'long', description: '' },
    ] as const)
      assert.throws(() => parseFlags('x', { f: arg } as ArgsDef, []), /does not support/);
  });

  test('property: no error message or hint repeats a value given with a flag', () => {
    const value = fc.stringMatching(/^[A-Za-z0-9+/]{12,24}$/);
    const name = fc.constantFrom('env', 'json', 'dry-run', 'password', 'jsn', 'secrets', 'e', 'x');
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 5 }), (flags) => {
        const argv = flags.flatMap(([n, v, inline]) => {
          const flag = n.length === 1 ? `-${n}` : `--${n}`;
          return inline && n.length > 1 ? [`${flag}=${v}`] : [flag, v];
        });
        try {
          parseFlags('run', DEF, argv);
        } catch (error) {
          assert.ok(error instanceof EnvplaneError);
          for (const [, v] of flags) assert.ok(!`${error.message} ${error.hint ?? ''}`.includes(v), argv.join(' '));
        }
      }),
      { numRuns: 500 },
    );
  });

  test('commands that reject a flag value name the flag and what it takes, never the value typed', () => {
    const dir = copyExample('four-planes');
    const value = 'Sk+canary/0123456789abcdef';
    const cases = [
      ['run', '-e', 'dev', '-s', 'backend', '--secrets', value, '--', 'true'],
      ['check', '--format', value],
      ['check', '--group-by', value],
      ['audit', '--limit', value],
      ['init', '--env', value, '--dir', join(dir, 'new')],
      ['push', '--to', value, '-e', 'dev', '--from', 'dev'],
      ['render', 'compose', '-e', 'dev', '--mode', value],
      ['render', 'k8s', '-e', 'dev', '--external-secrets', '--store-kind', value],
    ];
    for (const args of cases) {
      const r = runCli(args, { cwd: dir });
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /--[a-z-]+ must be/, args.join(' '));
      assert.ok(!`${r.stdout}${r.stderr}`.includes(value), `${args.slice(0, 3).join(' ')} echoed the value`);
    }
  });
});

describe('--help', () => {
  test('plain text into a pipe, for every command (citty colours it whatever stdout is)', () => {
    const env = { NO_COLOR: undefined, FORCE_COLOR: undefined };
    for (const command of Object.keys(commands)) {
      const r = runCli([command, '--help'], { env });
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      assert.match(r.stdout, /USAGE/, command);
      assert.doesNotMatch(r.stdout, /\x1b\[/, `${command} --help into a pipe has escape codes`);
      assert.match(r.stdout, new RegExp(`^USAGE envplane ${command} `, 'm'), command);
    }
  });

  test('run --help shows the command it runs after `--`, with colour too', () => {
    assert.match(runCli(['run', '--help']).stdout, /^USAGE envplane run \[OPTIONS\] -- <command> \[args…\]$/m);
    const coloured = runCli(['run', '--help'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }).stdout;
    assert.match(stripVTControlCharacters(coloured), /^USAGE envplane run \[OPTIONS\] -- <command> \[args…\]$/m);
  });
});

describe('-o', () => {
  test('a value that names a folder (trailing slash, ".") is refused by export and render; nothing is written', () => {
    const dir = copyExample('four-planes');
    const before = hashTree(dir);
    for (const output of ['newdir/', 'config/', '.', 'out\\']) {
      for (const args of [
        ['export', '--env', 'dev', '--service', 'backend', '-o', output],
        ['render', 'k8s', '--env', 'dev', '--external-secrets', '-o', output],
      ]) {
        const r = runCli(args, { cwd: dir });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /--output must be a file, not a folder/);
      }
    }
    assert.deepEqual(hashTree(dir), before);
  });
});
