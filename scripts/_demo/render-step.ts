/**
 * Step 4: `render compose` writes the development wiring; the real docker-compose validates it and lists its
 * services; each container's secret mounts are read back from the file and no tenant may mount another's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../src/project/load.ts';
import { listInstances } from '../../src/resolve/instances.ts';
import { composeWiring, foreignMounts } from './compose-wiring.ts';
import { type Step, unavailable } from './step.ts';
import { dim, envplane, say, show, shown } from './transcript.ts';

export const renderStep: Step = {
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
};

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
