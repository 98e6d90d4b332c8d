import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { EnvplaneError } from '../../errors.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { findProjectRoot } from '../../project/load.ts';
import { CHAINED_SUFFIX, hookScript, isEnvplaneHook } from '../../scan/hook-script.ts';
import { dirArg } from '../_args.ts';
import { style } from '../_style.ts';

export default defineCommand({
  meta: {
    name: 'hooks',
    description: 'Install or remove the git pre-commit hook that runs `envplane scan --staged`',
  },
  args: {
    action: { type: 'positional', description: 'install or uninstall', required: true, valueHint: 'install|uninstall' },
    force: {
      type: 'boolean',
      description: 'install: keep a pre-commit hook that is not envplane’s by chaining it (run first) (default: false)',
    },
    ...dirArg,
  },
  run({ args }) {
    if (args.action !== 'install' && args.action !== 'uninstall')
      throw new EnvplaneError('usage', `unknown action "${args.action}"`, {
        hint: 'use `hooks install` or `hooks uninstall`',
      });
    const root = findProjectRoot(args.dir ?? process.cwd());
    const { top, hooksDir } = gitHooksDir(root);
    const hook = join(hooksDir, 'pre-commit');
    const shown = relative(process.cwd(), hook) || hook;
    if (args.action === 'install') install(root, top, hook, shown, args.force === true);
    else uninstall(hook, shown);
  },
});

function install(root: string, top: string, hook: string, shown: string, force: boolean): void {
  const existing = readIfExists(hook);
  const chained = `${hook}${CHAINED_SUFFIX}`;
  if (existing !== undefined && !isEnvplaneHook(existing)) {
    if (!force)
      throw new EnvplaneError('failure', `${shown} already exists and is not envplane’s`, {
        location: { file: shown },
        hint: 'rerun with --force to keep it and run it before the scan (it moves to pre-commit.before-envplane)',
      });
    if (existsSync(chained))
      throw new EnvplaneError('failure', `${shown}${CHAINED_SUFFIX} already exists; not overwriting it`, {
        location: { file: `${shown}${CHAINED_SUFFIX}` },
        hint: 'merge the two hooks by hand, then rerun',
      });
    renameSync(hook, chained);
  }
  const script = hookScript({
    projectFromTop: relative(realpathSync(top), realpathSync(root)),
    cliPath: realpathSync(process.argv[1]!),
    nodePath: process.execPath,
  });
  writeFileAtomic(hook, script, { mode: 0o755, dirMode: 0o755, shownAs: shown });
  const note = existsSync(chained) ? ` (runs the earlier hook first: ${shown}${CHAINED_SUFFIX})` : '';
  process.stdout.write(`${style.green('installed')} ${shown}: commits run envplane scan --staged${note}\n`);
}

function uninstall(hook: string, shown: string): void {
  const existing = readIfExists(hook);
  if (existing === undefined || !isEnvplaneHook(existing)) {
    process.stdout.write(`no envplane hook in ${shown}; nothing to do\n`);
    return;
  }
  unlinkSync(hook);
  const chained = `${hook}${CHAINED_SUFFIX}`;
  if (existsSync(chained)) {
    renameSync(chained, hook);
    process.stdout.write(`${style.green('removed')} the envplane hook; restored the earlier ${shown}\n`);
  } else process.stdout.write(`${style.green('removed')} ${shown}\n`);
}

/** The hooks folder git really uses (core.hooksPath respected, worktrees included) and the repository top. */
function gitHooksDir(root: string): { top: string; hooksDir: string } {
  const run = (args: string[]) => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  const top = run(['rev-parse', '--show-toplevel']);
  if (top.error) throw new EnvplaneError('failure', 'git is not installed', { hint: 'install git' });
  if (top.status !== 0)
    throw new EnvplaneError('usage', `${root} is not in a git repository`, { hint: 'run `git init` first' });
  const hooks = run(['rev-parse', '--git-path', 'hooks']);
  return { top: top.stdout.trim(), hooksDir: resolve(root, hooks.stdout.trim()) };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
