import { defineCommand } from 'citty';
import { withLock } from '../../io/lock.ts';
import type { Environment } from '../../manifest/types.ts';
import { loadProject } from '../../project/load.ts';
import { findEnvironment } from '../../resolve/instances.ts';
import { applySetup } from '../../setup/apply.ts';
import { hasStaleTemps, inspect } from '../../setup/inspect.ts';
import { inspectPaths, planSetup, type SetupAction, type SetupNote, type SetupPlan } from '../../setup/plan.ts';
import { dirArg, jsonArg } from '../_args.ts';
import { style } from '../_style.ts';

export default defineCommand({
  meta: {
    name: 'setup',
    description:
      'Create what is missing: secret files (generated, or copied from .example), templates, .gitignore lines',
  },
  args: {
    env: {
      type: 'string',
      alias: 'e',
      description: 'Environment name or alias (default: every environment)',
      valueHint: 'env',
    },
    'dry-run': { type: 'boolean', description: 'Show the plan and write nothing (default: false)' },
    ...jsonArg,
    ...dirArg,
  },
  run({ args }) {
    const project = loadProject({
      ...(args.dir ? { dir: args.dir } : {}),
      ...(args.env ? { environment: args.env } : {}),
    });
    const environments = args.env ? [findEnvironment(project.manifest, args.env)] : project.manifest.environments;
    const input = { manifest: project.manifest, layers: project.layers, environments };
    const makePlan = () => planSetup(input, inspect(project.root, inspectPaths(input)));
    let removedTemps = 0;
    // A first plan without the lock: a dry run, a refusal or nothing to do leave the disk exactly as it was.
    let plan: SetupPlan = makePlan();
    const work = plan.actions.length > 0 || hasStaleTemps(project.root, plan.dirs);
    if (!args['dry-run'] && work)
      // Planned again under the lock: a concurrent run must not generate a value this one then overwrites.
      plan = withLock(project.root, () => {
        const made = makePlan();
        removedTemps = applySetup(project.root, made, (name) => storeDir(environments, name)).removedTemps;
        return made;
      });
    process.stdout.write(
      args.json
        ? `${JSON.stringify(setupJson(plan, Boolean(args['dry-run']), removedTemps), null, 2)}\n`
        : setupText(plan, Boolean(args['dry-run']), removedTemps),
    );
  },
});

function storeDir(environments: Environment[], name: string): string {
  const store = environments.find((e) => e.name === name)?.secrets;
  return store?.kind === 'files' ? store.dir : '.';
}

const who = (x: { secret: string; tenant?: string }) => (x.tenant ? `${x.secret}@${x.tenant}` : x.secret);

/** The documented JSON shape of `envplane setup --json` (docs/commands/setup.md). Names and paths only. */
export function setupJson(plan: SetupPlan, dryRun: boolean, removedTemps: number) {
  const actions = (kind: SetupAction['kind']) => plan.actions.filter((a) => a.kind === kind);
  const notes = (kind: SetupNote['kind']) => plan.notes.filter((n) => n.kind === kind);
  const value = (a: SetupAction | SetupNote) =>
    'secret' in a ? { environment: a.environment, secret: a.secret, tenant: a.tenant ?? null } : {};
  return {
    dryRun,
    environments: plan.environments,
    generated: actions('generate').map((a) => ({ ...value(a), path: a.path })),
    copied: actions('copy').map((a) => ({ ...value(a), path: a.path, from: a.kind === 'copy' ? a.from : null })),
    created: actions('template')
      .concat(actions('gitkeep'))
      .map((a) => a.path),
    gitignore: actions('gitignore').flatMap((a) => (a.kind === 'gitignore' ? a.added : [])),
    tightened: actions('tighten').map((a) => (a.kind === 'tighten' ? { path: a.path, mode: octal(a.mode) } : null)),
    existing: notes('exists').map((n) => ({ ...value(n), path: 'path' in n ? n.path : null })),
    needed: notes('needed').map((n) =>
      n.kind === 'needed' ? { ...value(n), path: n.path, reason: n.why, required: n.required, hint: n.hint } : null,
    ),
    inConfigFiles: notes('layer').map((n) => (n.kind === 'layer' ? { ...value(n), file: n.file, line: n.line } : null)),
    external: notes('external').map((n) => (n.kind === 'external' ? { ...value(n), name: n.name } : null)),
    removedTempFiles: removedTemps,
  };
}

function setupText(plan: SetupPlan, dryRun: boolean, removedTemps: number): string {
  const out: string[] = [];
  const verb = (done: string, planned: string) => (dryRun ? planned : done);
  const section = (title: string, lines: string[]) => {
    if (lines.length > 0) out.push(style.bold(title), ...lines.map((l) => `  ${l}`), '');
  };
  const acts = plan.actions;
  section(
    verb('generated', 'would generate'),
    acts.flatMap((a) => (a.kind === 'generate' ? [`${a.path}  ${style.dim(`${who(a)}, ${a.rule.kind}`)}`] : [])),
  );
  section(
    verb('copied from .example (needs a real value)', 'would copy from .example (needs a real value)'),
    acts.flatMap((a) => (a.kind === 'copy' ? [`${a.path}  ${style.dim(`from ${a.from}`)}`] : [])),
  );
  section(
    verb('created', 'would create'),
    acts.flatMap((a) => (a.kind === 'template' || a.kind === 'gitkeep' ? [a.path] : [])),
  );
  section(
    verb('added to .gitignore', 'would add to .gitignore'),
    acts.flatMap((a) => (a.kind === 'gitignore' ? a.added : [])),
  );
  section(
    verb('permissions narrowed', 'would narrow permissions'),
    acts.flatMap((a) => (a.kind === 'tighten' ? [`${a.path}  ${octal(a.was)} → ${octal(a.mode)}`] : [])),
  );
  section(
    'still needed',
    plan.notes.flatMap((n) =>
      n.kind === 'needed' && n.why !== 'placeholder'
        ? [`${n.path}  ${style.dim(`${who(n)}${n.required ? '' : ', optional'}: ${n.hint}`)}`]
        : [],
    ),
  );
  section(
    'in config files (not written; move them with `envplane migrate`)',
    plan.notes.flatMap((n) => (n.kind === 'layer' ? [`${who(n)}  ${style.dim(`${n.file}:${n.line}`)}`] : [])),
  );
  section(
    'external store (create with `envplane push` or your orchestrator; nothing written)',
    plan.notes.flatMap((n) =>
      n.kind === 'external' ? [`${n.name}  ${style.dim(`${who(n)} in ${n.environment}`)}`] : [],
    ),
  );
  const existing = plan.notes.filter((n) => n.kind === 'exists').length;
  if (existing > 0) out.push(style.dim(`${existing} secret file(s) already exist and were left alone`));
  if (removedTemps > 0) out.push(style.dim(`removed ${removedTemps} stray temp file(s) of an interrupted run`));
  if (acts.length === 0) out.push(dryRun ? 'nothing to do' : 'nothing to do: everything is in place');
  if (dryRun && acts.length > 0) out.push(style.dim('dry run: nothing was written'));
  return `${out.join('\n')}\n`;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
