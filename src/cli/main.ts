#!/usr/bin/env node
/**
 * `envplane`: finds the command, checks its flags strictly (citty accepts unknown flags silently, and a typo in
 * `--secrets=env` must not go unnoticed), runs it and sets the exit code. Commands return a number or nothing.
 */
import type { ArgsDef, CommandDef } from 'citty';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD } from '../build.ts';
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from '../manifest/_suggest.ts';
import { enableCompileCache } from './_compile-cache.ts';
import { EXIT, reportError } from './_fail.ts';
import { commands } from './commands.ts';

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(topUsage());
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version' || name === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const entry = commands[name];
    if (!entry)
      throw new EnvplaneError('usage', `unknown command "${name}"`, {
        hint: unknownHint(name, Object.keys(commands), 'commands'),
      });
    const command = await entry.load();
    const { renderUsage, runCommand } = await import('./_citty.ts');
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${await renderUsage(command)}\n`);
      return EXIT.ok;
    }
    checkFlags(name, rest, (await resolveArgs(command)) ?? {});
    const { result } = await runCommand(command, { rawArgs: rest });
    return typeof result === 'number' ? result : EXIT.ok;
  } catch (error) {
    return reportError(error, debug);
  }
}

async function resolveArgs(command: CommandDef): Promise<ArgsDef | undefined> {
  const args = command.args;
  return typeof args === 'function' ? await args() : await args;
}

/** Unknown flags are usage errors with a did-you-mean; everything after `--` belongs to a child command. */
function checkFlags(commandName: string, rawArgs: string[], args: ArgsDef): void {
  const known = new Set<string>(['debug', 'help']);
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue;
    known.add(name);
    known.add(kebab(name));
    const aliases = 'alias' in def ? def.alias : undefined;
    for (const alias of Array.isArray(aliases) ? aliases : aliases ? [aliases] : []) known.add(alias);
  }
  for (const raw of rawArgs) {
    if (raw === '--') break;
    if (!raw.startsWith('-') || raw === '-') continue;
    const flag = raw.replace(/^--?/, '').split('=')[0]!.replace(/^no-/, '');
    if (known.has(flag)) continue;
    const longNames = [...known].filter((k) => k.length > 1);
    throw new EnvplaneError('usage', `unknown option "${raw.split('=')[0]}" for "envplane ${commandName}"`, {
      hint: `${unknownHint(flag, longNames, 'options')} (see envplane ${commandName} --help)`,
    });
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function topUsage(): string {
  return `envplane ${VERSION}: four-plane, least-privilege environment management

Usage: envplane <command> [options]    (envplane <command> --help for its options)

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.description}`)
  .join('\n')}

Exit codes: 0 ok, 1 problems found or the operation failed, 2 usage or input error.
`;
}

// Node's own report of an uncaught error prints its message and a source excerpt, either of which may quote input;
// every error leaves through reportError instead.
const debugFlag = process.argv.includes('--debug');
const fatal = (error: unknown) => {
  process.exitCode = reportError(error, debugFlag) || EXIT.problems;
  process.exit();
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

// Before any command bundle is required: they all load through the code cache.
enableCompileCache(dirname(fileURLToPath(import.meta.url)), BUILD);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = EXIT.problems;
  },
);
