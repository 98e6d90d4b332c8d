/**
 * A command's flags, read strictly against its citty `args` with `util.parseArgs` (Node's own tokenizer, the one
 * citty wraps) instead of citty's lenient runner: an unknown flag, a flag without its value, a boolean given a value
 * or a missing required argument is a usage error (exit 2) with a hint, where citty would accept it silently or fail
 * with an internal error. It is also lighter on every start, which `run` pays in front of each program.
 *
 * What citty's runner did and this keeps: values under the declared names, `--no-<flag>` for booleans, one-letter
 * aliases, defaults, positionals in declaration order and all of them in `_`. Error messages quote flag names only,
 * never a value (`--password=…` shows as `--password`).
 */
import type { ArgsDef } from 'citty';
import { parseArgs } from 'node:util';
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from '../manifest/_suggest.ts';

export type ParsedFlags = { _: string[] } & Record<string, string | boolean | string[] | undefined>;

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

/** Flags every command accepts; `main` acts on them before the command runs. */
const GLOBAL: Record<string, OptionSpec> = { debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

export function parseFlags(commandName: string, def: ArgsDef, rawArgs: readonly string[]): ParsedFlags {
  // Null-prototype maps: `--constructor` or `--__proto__` must be unknown flags, not inherited properties.
  const options: Record<string, OptionSpec> = Object.assign(Object.create(null), GLOBAL);
  // A last positional whose valueHint ends in `…` takes every remaining argument (`envplane start [instances…]`).
  const positionals: { name: string; required: boolean; rest: boolean }[] = [];
  for (const [name, arg] of Object.entries(def)) {
    refuseUnsupported(commandName, name, arg);
    if (arg.type === 'positional') {
      positionals.push({ name, required: arg.required === true, rest: arg.valueHint?.endsWith('…') === true });
      continue;
    }
    const short = 'alias' in arg && arg.alias !== undefined ? [arg.alias].flat()[0] : undefined;
    options[name] = { type: arg.type === 'boolean' ? 'boolean' : 'string', ...(short ? { short } : {}) };
  }
  const usage = `envplane ${commandName} --help`;
  const end = rawArgs.indexOf('--');
  const own = end === -1 ? [...rawArgs] : rawArgs.slice(0, end);
  const after = end === -1 ? [] : rawArgs.slice(end + 1);

  // `--no-<flag>` turns a boolean off (util.parseArgs learns this only in Node 22).
  const negated: string[] = [];
  const tokens = own.filter((raw) => {
    const name = /^--no-(.+)$/.exec(raw)?.[1];
    if (name === undefined || options[name]?.type !== 'boolean') return true;
    negated.push(name);
    return false;
  });
  // One lenient pass for the tokens, then the strict checks by hand: a second, strict parse would double the cost,
  // and its messages would have to be picked apart to name the flag without echoing a value.
  const parsed = parseArgs({ args: tokens, options, strict: false, allowPositionals: true, tokens: true });
  const flags: ParsedFlags = Object.assign(Object.create(null), { _: [] });
  for (const [name, arg] of Object.entries(def))
    if (arg.type !== 'positional' && 'default' in arg && arg.default !== undefined) flags[name] = arg.default;
  for (const token of parsed.tokens) {
    if (token.kind === 'positional') flags._.push(token.value);
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined)
      throw new EnvplaneError('usage', `unknown option "${token.rawName}" for "envplane ${commandName}"`, {
        hint: `${unknownHint(token.name, Object.keys(options), 'options')} (see ${usage})`,
      });
    if (spec.type === 'boolean') {
      if (token.inlineValue)
        throw new EnvplaneError('usage', `--${token.name} takes no value`, { hint: `see ${usage}` });
      flags[token.name] = true;
    } else {
      // A value that looks like a flag means the value was forgotten, as strict util.parseArgs judges it: `--env=-x`
      // and a lone `-` (stdout, as in `-o -`) are values.
      if (token.value === undefined || (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')))
        throw new EnvplaneError('usage', `--${token.name} needs a value`, { hint: `see ${usage}` });
      flags[token.name] = token.value;
    }
  }
  for (const name of negated) flags[name] = false;
  const given = [...flags._];
  // An argument nothing reads is refused, not ignored: `envplane check production` would check every environment,
  // `audit show verify` would only show. The message counts it and never repeats it (it may be a pasted value).
  if (given.length > positionals.length && positionals.at(-1)?.rest !== true) {
    const takes =
      positionals.length === 0
        ? `envplane ${commandName} takes no arguments, only options`
        : `envplane ${commandName} takes ${positionals.map((p) => `<${p.name}>`).join(' ')}`;
    const extra = given.length - positionals.length;
    throw new EnvplaneError(
      'usage',
      `${extra} unexpected argument${extra === 1 ? '' : 's'} for envplane ${commandName}`,
      {
        hint: `${takes}; an option's value follows its name (--env dev)${commandName === 'run' ? '; the command to run goes after `--`' : ''} (see ${usage})`,
      },
    );
  }
  flags._.push(...after);
  positionals.forEach(({ name, required, rest }, i) => {
    const value = given[i];
    if (value === undefined && required)
      throw new EnvplaneError('usage', `missing <${name}> for envplane ${commandName}`, { hint: `see ${usage}` });
    flags[name] = rest ? given.slice(i) : value;
  });
  return flags;
}

/**
 * A flag value the command cannot use. The message names the flag and what it takes, never what was typed: a value
 * given by mistake (`--secrets "$TOKEN"`) must not end up in a terminal or a CI log.
 */
export function invalidFlagValue(flag: string, expected: string, hint?: string): EnvplaneError {
  return new EnvplaneError('usage', `--${flag} must be ${expected}`, hint ? { hint } : {});
}

/**
 * `-o`'s value when it must name a file: one that ends in a slash (or is `.`/`..`) names a folder, and splitting it
 * into folder and name would write a file named after the folder instead.
 */
export function outputFile(value: string): string {
  if (/[\\/]$/.test(value) || value === '.' || value === '..')
    throw invalidFlagValue('output', 'a file, not a folder', 'add a file name: -o <folder>/<name>');
  return value;
}

/**
 * citty features this reader does not implement. Every command's flags pass through here in the tests, so using one
 * fails loudly in development instead of being ignored for users.
 */
function refuseUnsupported(commandName: string, name: string, arg: ArgsDef[string]): void {
  const aliases = 'alias' in arg && arg.alias !== undefined ? [arg.alias].flat() : [];
  const problem =
    arg.type === 'enum'
      ? 'enum flags'
      : arg.type !== 'positional' && 'required' in arg && arg.required
        ? 'required flags (check them in the command, with a hint)'
        : arg.type === 'positional' && 'default' in arg && arg.default !== undefined
          ? 'positional defaults'
          : aliases.length > 1 || aliases.some((a) => a.length !== 1)
            ? 'aliases other than one letter'
            : undefined;
  if (problem) throw new Error(`envplane ${commandName} --${name}: _flags.ts does not support ${problem}`);
}
