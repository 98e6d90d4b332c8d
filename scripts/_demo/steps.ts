/**
 * The demo's steps after the copy, in order. Each one runs real CLI calls (printed first) and says how it went:
 * ok, failed (the demo stops), skipped (a tool such as docker-compose or PostgreSQL is not installed) or
 * unavailable (the envplane command has not landed in this build yet). Nothing is imitated.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../src/project/load.ts';
import { listInstances } from '../../src/resolve/instances.ts';
import { composeWiring, foreignMounts } from './compose-wiring.ts';
import { isolationStep } from './isolation-step.ts';
import { migrationStep } from './migration-step.ts';
import type { Processes } from './processes.ts';
import { envplane, type Shell, say, dim, show, shown } from './transcript.ts';
import { spawnSync } from 'node:child_process';

export type StepStatus = 'ok' | 'failed' | 'skipped' | 'unavailable';

export interface Outcome {
  status: StepStatus;
  detail: string;
}

export interface DemoState {
  project: string;
  cli: string;
  environment: string;
  processes: Processes;
  /** Folders removed at the end, however the demo ends. */
  temporary: string[];
  available: Record<string, boolean>;
  summary: {
    steps: { id: string; status: StepStatus; detail: string; ms: number }[];
    instances: Record<string, unknown>;
    table: unknown[];
    migration?: unknown;
    compose?: unknown;
    scan?: unknown;
  };
}

export interface Step {
  number: number;
  id: string;
  title: string;
  run(state: DemoState, shell: Shell): Promise<Outcome>;
}

const unavailable = (...commands: string[]): Outcome => ({
  status: 'unavailable',
  detail: `\`envplane ${commands.join('`, `envplane ')}\` not available yet in this build; step not run`,
});

export const steps: Step[] = [
  {
    number: 2,
    id: 'check',
    title: 'envplane check finds the seed’s own mistakes',
    async run(state, shell) {
      if (!state.available.check) return unavailable('check');
      const r = await envplane(shell, ['check', '--env', state.environment], { lines: 14, tail: 1 });
      if (r.code === 2) return { status: 'failed', detail: `check could not read the project (exit 2)` };
      const tally = r.stdout.trim().split('\n').pop() ?? '';
      const problems = r.code === 1 ? `${tally}, as expected for the seed as written` : 'no problems (unexpected)';
      return { status: 'ok', detail: `exit ${r.code}: ${problems}` };
    },
  },
  {
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
      const missing = ['migrate', 'setup', 'check'].filter((c) => !state.available[c]);
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
        // user deletes them, or they stay on disk with the secrets in plain text (envplane scan would say so).
        say(`${dim('# the migration checks out: remove the plain-text backups migrate kept')}`);
        say(`${dim('$')} rm ${backups.join(' ')}`);
        for (const file of backups) rmSync(join(state.project, file));
      }
      return { status: 'ok', detail: `${done.join(', ')}; check passes (exit 0: ${tally})` };
    },
  },
  {
    number: 4,
    id: 'render',
    title: 'render compose writes the development wiring, per tenant',
    async run(state, shell) {
      if (!state.available.render) return unavailable('render');
      const before = snapshot(state.project);
      const r = await envplane(shell, ['render', 'compose', '--env', state.environment, '--mode', 'standalone'], {
        lines: 12,
      });
      if (r.code !== 0) return { status: 'failed', detail: `render exited ${r.code}` };
      const written = changedFiles(state.project, before).filter((f) => /\.ya?ml$/.test(f));
      if (written.length === 0) return { status: 'failed', detail: 'render wrote no compose file' };
      const compose = '/usr/bin/docker-compose';
      if (!existsSync(compose))
        return { status: 'skipped', detail: `wrote ${written.join(', ')}; ${compose} not installed, not validated` };
      const services: string[] = [];
      for (const file of written) {
        for (const args of [
          ['-f', file, 'config', '-q'],
          ['-f', file, 'config', '--services'],
        ]) {
          say(`${dim('$')} docker-compose ${shown(args)}`);
          const v = spawnSync(compose, args, { cwd: state.project, encoding: 'utf8' });
          show(`${v.stdout}${v.stderr}`, 12);
          say(dim(`  (exit ${v.status})`));
          if (v.status !== 0) return { status: 'failed', detail: `docker-compose rejected ${file}` };
          if (args.includes('--services')) services.push(...v.stdout.split('\n').filter(Boolean));
        }
      }
      // One Compose service per instance: each tenant's worker must be there under its own name, mounting its
      // own tenant's secrets and no other tenant's.
      const manifest = loadProject({ dir: state.project, environment: state.environment }).manifest;
      const instances = listInstances(manifest);
      const absent = instances.filter((i) => !services.includes(i.slug)).map((i) => i.slug);
      if (absent.length > 0) return { status: 'failed', detail: `no Compose service for ${absent.join(', ')}` };
      say(dim('  secrets each container mounts (source→target), from the file Compose accepted:'));
      const wirings = written.flatMap((file) => composeWiring(state.project, file));
      state.summary.compose = wirings;
      for (const wiring of wirings) {
        const mounts = wiring.mounts.map((m) => (m.source === m.target ? m.source : `${m.source}→${m.target}`));
        say(`  ${wiring.service.padEnd(13)} ${mounts.join(' ') || '(none)'}`);
        const tenant = instances.find((i) => i.slug === wiring.service)?.tenant;
        const foreign = tenant ? foreignMounts(wiring, tenant, manifest.tenants) : [];
        if (foreign.length > 0)
          return { status: 'failed', detail: `${wiring.service} mounts another tenant's ${foreign.join(', ')}` };
      }
      return {
        status: 'ok',
        detail: `wrote ${written.join(', ')}; docker-compose config accepts it: ${services.join(', ')}`,
      };
    },
  },
  isolationStep,
  migrationStep,
];

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

/** Modification times of every file outside node_modules/.git, to see what a command wrote. */
function snapshot(root: string, dir = '', into = new Map<string, number>()): Map<string, number> {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== '.git' && entry.name !== 'node_modules') snapshot(root, rel, into);
    } else if (entry.isFile()) into.set(rel, statSync(join(root, rel)).mtimeMs);
  }
  return into;
}

function changedFiles(root: string, before: Map<string, number>): string[] {
  return [...snapshot(root)].filter(([file, mtime]) => before.get(file) !== mtime).map(([file]) => file);
}
