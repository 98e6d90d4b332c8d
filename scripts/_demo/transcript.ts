/**
 * The demo as a transcript: each step is announced, each command is printed as a user would type it (`$ envplane
 * check --env development`), then run for real and its output shown (or an excerpt of it). Commands go through the
 * process registry so that Ctrl-C stops them like everything else.
 */
import { spawn } from 'node:child_process';
import type { Processes } from './processes.ts';

const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = paint('1');
export const dim = paint('2');
export const green = paint('32');
export const red = paint('31');
export const yellow = paint('33');

export function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function heading(number: number, title: string): void {
  say();
  say(bold(`── ${number}. ${title}`));
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Shell {
  cwd: string;
  /** Shown instead of the real argv[0]/[1] (the built CLI is run with this Node). */
  cli: string;
  processes: Processes;
}

/** A one-line rendering of argv for the transcript; arguments with spaces or quotes are quoted. */
export function shown(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** Runs `envplane <args>` (the built CLI) in the project; prints the command line, then up to `lines` of output. */
export async function envplane(
  shell: Shell,
  args: string[],
  options: { lines?: number; tail?: number; env?: Record<string, string> } = {},
): Promise<CommandResult> {
  say(`${dim('$')} envplane ${shown(args)}`);
  const started = shell.processes.start(`envplane ${args[0]}`, process.execPath, [shell.cli, ...args], {
    cwd: shell.cwd,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1', ...options.env },
  });
  const code = await started.exited;
  show(`${started.stdout}${started.stderr}`, options.lines ?? 20, options.tail ?? 0);
  say(dim(`  (exit ${code})`));
  return { code, stdout: started.stdout, stderr: started.stderr };
}

/** Indented output, cut to `limit` lines (and the last `tail`) with a note saying how many were left out. */
export function show(text: string, limit: number, tail = 0): void {
  const lines = text.replace(/\n+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return;
  if (limit === 0) {
    say(dim(`  (${lines.length} lines of output, read by the demo)`));
    return;
  }
  if (lines.length <= limit + tail) {
    for (const line of lines) say(`  ${line}`);
    return;
  }
  for (const line of lines.slice(0, limit)) say(`  ${line}`);
  say(dim(`  … ${lines.length - limit - tail} more line(s)`));
  for (const line of lines.slice(lines.length - tail)) say(`  ${line}`);
}

/** Which of `commands` the built CLI has yet (the other engineers' commands land during the day), asked in parallel. */
export async function availableCommands(cli: string, commands: readonly string[]): Promise<Record<string, boolean>> {
  const answers = await Promise.all(
    commands.map(
      (command) =>
        new Promise<boolean>((resolve) => {
          const child = spawn(process.execPath, [cli, command, '--help'], {
            stdio: 'ignore',
            env: { ...process.env, NO_COLOR: '1' },
          });
          child.once('error', () => resolve(false));
          child.once('close', (code) => resolve(code === 0));
        }),
    ),
  );
  return Object.fromEntries(commands.map((command, i) => [command, answers[i] === true]));
}
