#!/usr/bin/env node
/**
 * `envplane`: finds the command, reads its flags strictly (_flags.ts: a typo in `--secrets=env` must not go
 * unnoticed), runs it and sets the exit code. Commands are citty definitions; they return a number or nothing.
 */
import type { ArgsDef, CommandDef } from 'citty';
import { BUILD } from '../build.ts';
import { EnvplaneError } from '../errors.ts';
import { unknownHint } from '../manifest/_suggest.ts';
import { excludeMemoryFromCores } from '../io/core.ts';
import { enableCompileCache } from './_compile-cache.ts';
import { EXIT, reportError } from './_fail.ts';
import { parseFlags } from './_flags.ts';
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
    // Only envplane's own flags: after `--` they belong to the child (`run -- node --help`).
    const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (own.includes('--help') || own.includes('-h')) {
      const { usageText } = await import('./_citty.ts');
      process.stdout.write(`${await usageText(command, entry.usage)}\n`);
      return EXIT.ok;
    }
    const args = parseFlags(name, (await resolveArgs(command)) ?? {}, rest);
    const result = await command.run?.({ rawArgs: rest, args, cmd: command } as Parameters<
      NonNullable<CommandDef['run']>
    >[0]);
    return typeof result === 'number' ? result : EXIT.ok;
  } catch (error) {
    return reportError(error, debug);
  }
}

async function resolveArgs(command: CommandDef): Promise<ArgsDef | undefined> {
  const args = command.args;
  return typeof args === 'function' ? await args() : await args;
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
  // The reader of our output went away (`envplane check | head -1`): the rest of the output is dropped, as other
  // command-line tools do, and the command finishes with its own exit code. (`writeStdout` does the same for the
  // writes that go to fd 1 directly.) Reported, it was an "internal error" with exit 1.
  if (readerGone(error)) return;
  process.exitCode = reportError(error, debugFlag) || EXIT.problems;
  process.exit();
};

/**
 * A write to a pipe whose reader closed it. Nothing else envplane writes to asynchronously can raise one unhandled:
 * `run` relays a child's output with its own handler, scan feeds `git cat-file` with one, docker gets its input
 * through spawnSync.
 */
function readerGone(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return (e?.code === 'EPIPE' && e.syscall === 'write') || e?.code === 'ERR_STREAM_DESTROYED';
}
// Before any command reads a value: no core dump of this process holds one (io/core.ts; run gives its child the
// user's own setting back).
excludeMemoryFromCores();
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

// Before any command bundle is required: they all load through the code cache.
// `__dirname` is dist/ in the CommonJS bundle, the only way this file runs (tests run the bundle too).
enableCompileCache(typeof __dirname === 'string' ? __dirname : undefined, BUILD);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = EXIT.problems;
  },
);
