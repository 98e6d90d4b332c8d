/**
 * A command's flags, read strictly against its citty `args` with `util.parseArgs` (Node's own parser, the one
 * citty wraps) instead of citty's lenient runner: an unknown flag, a flag without its value or a missing required
 * argument is a usage error (exit 2) with a hint, where citty would accept it silently or fail with an internal
 * error. It is also lighter on every start, which `run` pays in front of each program.
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
  const options: Record<string, OptionSpec> = { ...GLOBAL };
  const positionals: { name: string; required: boolean }[] = [];
  for (const [name, arg] of Object.entries(def)) {
    if (arg.type === 'positional') {
      positionals.push({ name, required: arg.required === true });
      continue;
    }
    const aliases = 'alias' in arg && arg.alias !== undefined ? [arg.alias].flat() : [];
    const short = aliases.find((a) => a.length === 1);
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
  refuseUnknown(tokens, options, commandName, usage);

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: tokens, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new EnvplaneError('usage', parseProblem(error, options), { hint: `see ${usage}` });
  }
  const flags: ParsedFlags = { _: [...parsed.positionals, ...after] };
  for (const [name, arg] of Object.entries(def))
    if (arg.type !== 'positional' && 'default' in arg && arg.default !== undefined) flags[name] = arg.default;
  Object.assign(flags, parsed.values);
  for (const name of negated) flags[name] = false;
  positionals.forEach(({ name, required }, i) => {
    const value = parsed.positionals[i];
    if (value === undefined && required)
      throw new EnvplaneError('usage', `missing <${name}> for envplane ${commandName}`, { hint: `see ${usage}` });
    flags[name] = value;
  });
  return flags;
}

/** An unknown flag, named as typed but without any `=value`, with the closest known one. */
function refuseUnknown(args: string[], options: Record<string, OptionSpec>, commandName: string, usage: string): void {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name in options) continue;
    throw new EnvplaneError('usage', `unknown option "${token.rawName}" for "envplane ${commandName}"`, {
      hint: `${unknownHint(token.name, Object.keys(options), 'options')} (see ${usage})`,
    });
  }
}

/** What util.parseArgs objected to, in words that name the flag (found among the known names) and never a value. */
function parseProblem(error: unknown, options: Record<string, OptionSpec>): string {
  const message = error instanceof Error ? error.message : '';
  const flag = Object.keys(options)
    .sort((a, b) => b.length - a.length)
    .find((name) => message.includes(`--${name}`));
  if ((error as NodeJS.ErrnoException).code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || flag === undefined)
    return 'the options could not be read';
  return options[flag]?.type === 'boolean' ? `--${flag} takes no value` : `--${flag} needs a value`;
}
