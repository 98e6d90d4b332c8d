/**
 * Steps 2 and 3: `check` on the seed as written (its mistakes are the point), then the way out that check's hints
 * describe: `migrate`, `setup`, `rotate` for each weak secret, and `check` again, which must pass.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DemoState, type Step, unavailable } from './step.ts';
import { dim, envplane, type Shell, say } from './transcript.ts';

export const checkStep: Step = {
  number: 2,
  id: 'check',
  title: 'envplane check finds the seed’s own mistakes',
  async run(state, shell) {
    if (!state.available.check) return unavailable('check');
    const r = await envplane(shell, ['check', '--env', state.environment], { lines: 14, tail: 1 });
    if (r.code === 2) return { status: 'failed', detail: `check could not read the project (exit 2)` };
    // The seed's precedence question ("which BACKEND_SERVICE_URL wins?"), answered for one worker.
    if (state.available.explain)
      await envplane(shell, [
        'explain',
        'BACKEND_SERVICE_URL',
        '--env',
        state.environment,
        '--service',
        'etl',
        '--tenant',
        'wex',
      ]);
    const tally = r.stdout.trim().split('\n').pop() ?? '';
    const problems = r.code === 1 ? `${tally}, as expected for the seed as written` : 'no problems (unexpected)';
    return { status: 'ok', detail: `exit ${r.code}: ${problems}` };
  },
};

export const migrateStep: Step = {
  number: 3,
  id: 'migrate',
  title: 'migrate moves the secrets to the secret plane; setup creates what is missing; check is clean',
  async run(state, shell) {
    const done: string[] = [];
    if (state.available.migrate) {
      const r = await envplane(shell, ['migrate', '--env', state.environment], { lines: 14 });
      if (r.code !== 0) return { status: 'failed', detail: `migrate exited ${r.code}` };
      done.push('migrated');
    } else say(dim('  (envplane migrate is not available yet: the secrets stay in the .env files)'));
    if (state.available.setup) {
      const r = await envplane(shell, ['setup', '--env', state.environment], { lines: 30 });
      if (r.code !== 0) return { status: 'failed', detail: `setup exited ${r.code}` };
      done.push('set up');
    }
    const missing = ['migrate', 'setup', 'rotate', 'check'].filter((c) => !state.available[c]);
    if (missing.length > 0) {
      const { status, detail } = unavailable(...missing);
      return { status, detail: `${done.join(', ') || 'nothing done'}; ${detail}; the final check was not run` };
    }
    const rotated = await rotateWeak(state, shell);
    if (rotated === undefined) return { status: 'failed', detail: 'rotating the weak secrets failed' };
    if (rotated > 0) done.push(`${rotated} weak seed secret(s) rotated`);
    const check = await envplane(shell, ['check', '--env', state.environment], { lines: 24, tail: 1 });
    if (check.code !== 0)
      return { status: 'failed', detail: `check is not clean after migrate and setup (exit ${check.code})` };
    const tally = check.stdout.trim().split('\n').pop() ?? '';
    const backups = readdirSync(state.project).filter((f) => /^\.env.*\.bak$/.test(f));
    if (backups.length > 0) {
      // migrate keeps the old layers (git-ignored) so a failed migration can be undone; once check is clean the
      // user deletes them, or they stay on disk with the secrets in plain text (check's secret-in-backup warns about
      // each, as the tally above shows, and envplane scan finds the values).
      say(`${dim('# the migration checks out: remove the plain-text backups migrate kept')}`);
      say(`${dim('$')} rm ${backups.join(' ')}`);
      for (const file of backups) rmSync(join(state.project, file));
    }
    return { status: 'ok', detail: `${done.join(', ')}; check passes (exit 0: ${tally})` };
  },
};

/**
 * migrate moves the seed's values as they are, and some are weak ("pulse", "backend-jwt-secret"): check says so
 * (rule secret-weak) and hints at `envplane rotate`. The demo does what the hint says, for each one it names.
 * Returns how many were rotated, or undefined when a command failed.
 */
async function rotateWeak(state: DemoState, shell: Shell): Promise<number | undefined> {
  const r = await envplane(shell, ['check', '--env', state.environment, '--json'], { lines: 0 });
  if (r.code === 2) return undefined;
  const problems = (JSON.parse(r.stdout) as { problems: { rule: string; key?: string; instance?: string }[] }).problems;
  const weak = new Map<string, string[]>();
  for (const p of problems.filter((x) => x.rule === 'secret-weak' && x.key)) {
    const tenant = p.instance?.split('@')[1];
    const args = ['rotate', p.key!, '--env', state.environment, ...(tenant ? ['--tenant', tenant] : [])];
    weak.set(args.join(' '), args);
  }
  if (weak.size > 0)
    say(dim(`  check names ${weak.size} weak secret(s) (rule secret-weak); rotating them as its hints say`));
  for (const args of weak.values()) if ((await envplane(shell, args, { lines: 1 })).code !== 0) return undefined;
  return weak.size;
}
