import { chmodSync, existsSync, lstatSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { defineCommand } from 'citty';
import { planFileMigration } from '../../adopt/migrate-file.ts';
import { planLayerMigration } from '../../adopt/migrate-layers.ts';
import { type MigrationPlan, orderSteps, type Step } from '../../adopt/migration.ts';
import { classifyKey } from '../../adopt/classify.ts';
import { parseDotenvEntries } from '../../dotenv/index.ts';
import { EnvplaneError } from '../../errors.ts';
import { readTextIfExists } from '../../io/read.ts';
import type { Plane } from '../../manifest/types.ts';
import { editManifest } from '../../manifest/write.ts';
import { findProjectRoot, loadProject, MANIFEST_FILE } from '../../project/load.ts';
import { findEnvironment } from '../../resolve/instances.ts';
import { dirArg, envArg, jsonArg } from '../_args.ts';
import { required } from '../_context.ts';
import { style } from '../_style.ts';
import { applyJournaled, finishInterrupted, JOURNAL } from './_migrate-apply.ts';
import { withAudit } from '../../audit/log.ts';
import { withLock } from '../../io/lock.ts';
import { refuseLinksOnPath } from '../../stores/files.ts';
import { shellLine, shellPath } from '../../shell.ts';

export default defineCommand({
  meta: {
    name: 'migrate',
    description: 'Move secrets out of a legacy .env file or out of config layers into the secret store',
  },
  args: {
    file: {
      type: 'positional',
      required: false,
      description: 'Legacy env file to split (e.g. .env.development); without it, every secret found in a config layer',
    },
    ...envArg,
    service: {
      type: 'string',
      alias: 's',
      description: 'Service that is granted the migrated keys (default: the only service, if there is one)',
      valueHint: 'service',
    },
    'dry-run': { type: 'boolean', description: 'Print the plan and write nothing (default: false)' },
    'remove-old': {
      type: 'boolean',
      description:
        'Remove the legacy file once every key has moved, and keep no .bak of rewritten layers (default: false)',
    },
    ...jsonArg,
    ...dirArg,
  },
  async run({ args }) {
    const root = findProjectRoot(args.dir ?? process.cwd());
    const envName = required(args.env, 'env', 'name the environment to migrate into, e.g. --env development');
    const dryRun = args['dry-run'] === true;
    const source = args.file !== undefined && args.file !== '' ? projectPath(root, args.file) : undefined;
    // Questions come first, outside the project lock: a person may take a while to answer.
    const answers = source === undefined ? {} : await askDoubtful(root, source);
    const options: RunOptions = {
      envName,
      dryRun,
      removeOld: args['remove-old'] === true,
      answers,
      ...(source !== undefined ? { source } : {}),
      ...(args.service ? { service: args.service } : {}),
    };
    // Planned once without the lock, so a dry run, a refusal or nothing to do leave the disk exactly as it was; then
    // planned again and applied under the lock, so two concurrent runs cannot interleave.
    const pending = existsSync(join(root, JOURNAL));
    let outcome = pending && !dryRun ? undefined : migrateOnce(root, options, false);
    if (!dryRun && (outcome === undefined || ('plan' in outcome && outcome.plan.steps.length > 0)))
      outcome = withLock(root, () => migrateOnce(root, options, true));
    if (outcome === undefined) return;
    if ('finished' in outcome) {
      process.stdout.write(
        `finished an interrupted migration (${outcome.resumed} steps); ${outcome.finished} is migrated\n`,
      );
      return;
    }
    const { plan, resumed } = outcome;
    process.stdout.write(
      args.json ? `${JSON.stringify(planJson(plan, dryRun, resumed), null, 2)}\n` : planText(plan, dryRun, resumed),
    );
  },
});

interface RunOptions {
  envName: string;
  source?: string;
  service?: string;
  dryRun: boolean;
  removeOld: boolean;
  answers: Record<string, Plane>;
}

type Outcome = { plan: MigrationPlan; resumed: number | undefined } | { finished: string; resumed: number };

/** Plan; when `apply`, first finish an interrupted run, then apply the plan (journaled) and audit it. */
function migrateOnce(root: string, options: RunOptions, apply: boolean): Outcome {
  const resumed = apply ? finishInterrupted(root) : undefined;
  const project = loadProject({ dir: root, lookup: {}, environment: options.envName, requireLayers: false });
  const environment = findEnvironment(project.manifest, options.envName);
  const read = (path: string) => readTextIfExists(join(root, path), path);
  const manifestText = read(MANIFEST_FILE) ?? '';
  const { removeOld, source } = options;

  let plan: MigrationPlan;
  if (source !== undefined) {
    const text = read(source);
    // The interrupted run was this one and it removed the file as its last step: the job is done.
    if (text === undefined && resumed !== undefined) return { finished: source, resumed };
    if (text === undefined)
      throw new EnvplaneError('usage', `${source} does not exist`, { hint: 'name the legacy env file to migrate' });
    const layered = project.manifest.environments.some((e) => e.config.includes(source));
    if (layered || Object.values(project.manifest.services).some((s) => s.config.includes(source)))
      throw new EnvplaneError('usage', `${source} is a config layer of ${MANIFEST_FILE}`, {
        hint: `run \`${shellLine(['envplane', 'migrate', '--env', options.envName])}\` without a file: it moves the secrets out of every layer`,
      });
    const entries = parseDotenvEntries(text, { lookup: {}, file: source });
    const interpolatedLines = interpolatedAt(text, source);
    const interpolated = new Set(entries.filter((e) => interpolatedLines.has(e.line)).map((e) => e.key));
    plan = planFileMigration({
      manifest: project.manifest,
      manifestText,
      environment,
      ...(options.service !== undefined ? { service: options.service } : {}),
      source,
      entries,
      interpolated,
      removeOld,
      answers: options.answers,
      read,
    });
  } else {
    // Secrets in layers are declared and granted already: a --service here would be ignored (a typo included).
    if (options.service !== undefined)
      throw new EnvplaneError('usage', '--service applies to `envplane migrate <file>` only', {
        hint: 'secrets in config layers keep the services that use them; drop --service',
      });
    plan = planLayerMigration({ manifest: project.manifest, environment, layers: project.layers, removeOld, read });
    const byFile = new Map<string, Set<number>>();
    const linesOf = (file: string) => {
      if (!byFile.has(file)) byFile.set(file, interpolatedAt(read(file) ?? '', file));
      return byFile.get(file)!;
    };
    for (const move of plan.moves)
      if (move.status === 'moved' && linesOf(move.from.file).has(move.from.line))
        plan.warnings.push(
          `${move.key} (${move.from.file}:${move.from.line}) uses \${…} interpolation; it is stored as envplane reads it, without the shell`,
        );
  }
  if (!apply && existsSync(join(root, JOURNAL)))
    plan.warnings.push(`an interrupted migration is pending (${JOURNAL}); a run without --dry-run finishes it first`);
  const live = plan.manifestEdits.filter((e) => editChanges(e, project.manifest));
  if (live.length > 0) {
    const next = editManifest(manifestText, live, MANIFEST_FILE);
    if (next !== manifestText)
      plan.steps = orderSteps([...plan.steps, { op: 'write', kind: 'manifest', path: MANIFEST_FILE, contents: next }]);
  }
  // A symbolic link on any path is refused while planning, before the lock or the journal touch the disk.
  for (const step of plan.steps) refuseLinksOnPath(root, step.path);
  if (apply && plan.steps.length > 0) {
    const written = plan.moves.filter((m) => m.status === 'moved' && (m.plane === 'secret' || m.plane === 'build'));
    const events =
      written.length > 0
        ? [
            {
              command: 'migrate',
              action: 'write' as const,
              environment: environment.name,
              secrets: [...new Set(written.map((m) => (m.tenant ? `${m.tenant}/${m.name}` : m.name)))],
            },
          ]
        : [];
    // The intent line is on disk before the first file changes; the journal finishes or undoes the rest.
    withAudit(root, events, () => {
      // Folders first: a failure there leaves everything as it was.
      if (environment.secrets.kind === 'files') narrowStoreFolders(root, environment.secrets.dir, plan.steps);
      applyJournaled(root, plan.steps);
    });
  }
  return { plan, resumed };
}

/**
 * The store folder and the folders between it and each secret file written get 0700, as setup makes them: an
 * existing `secrets/` at 0755 stayed 0755 (files 0600 in it, but their names listed to every user).
 */
function narrowStoreFolders(root: string, storeDir: string, steps: readonly Step[]): void {
  const folders = new Set<string>();
  for (const step of steps) {
    if (step.op !== 'write' || step.kind !== 'secret') continue;
    const inside = relative(storeDir, dirname(step.path));
    if (inside.startsWith('..') || isAbsolute(inside)) continue;
    let folder = storeDir;
    folders.add(folder);
    for (const part of inside === '' ? [] : inside.split(sep)) {
      folder = join(folder, part);
      folders.add(folder);
    }
  }
  for (const folder of folders) {
    const path = join(root, folder);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory() && (stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o700);
    } catch (error) {
      // Not there yet: it is created 0700 with the first file written into it.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new EnvplaneError(
        'failure',
        `cannot narrow the mode of ${folder}: ${(error as NodeJS.ErrnoException).code}`,
        {
          location: { file: folder },
          hint: `nothing was moved; check who owns ${folder} (ls -ld), or run \`chmod 700 ${folder}\` yourself`,
        },
      );
    }
  }
}

/** The lines whose assignment takes part of its value from a `${VAR}` lookup (seen by parsing with a probe value). */
function interpolatedAt(text: string, file: string): Set<number> {
  const plain = parseDotenvEntries(text, { lookup: {}, file });
  const probed = parseDotenvEntries(text, { lookup: () => '\u0001', file });
  return new Set(plain.filter((e, i) => probed[i]?.value !== e.value).map((e) => e.line));
}

/** The file argument, relative to the project root; it must be inside the project. */
function projectPath(root: string, file: string): string {
  const path = relative(root, resolve(process.cwd(), file));
  if (path === '' || path.startsWith('..') || isAbsolute(path))
    throw new EnvplaneError('usage', `${file} is outside the project`, { hint: `migrate files inside ${root}` });
  return path.split('\\').join('/');
}

function editChanges(
  edit: MigrationPlan['manifestEdits'][number],
  manifest: { keys: object; services: Record<string, { uses: string[]; build: string[] }> },
): boolean {
  if (edit.kind === 'add-key') return !(edit.name in manifest.keys);
  if (edit.kind === 'add-layer') return true;
  const service = manifest.services[edit.service];
  const have = edit.kind === 'add-uses' ? service?.uses : service?.build;
  return edit.names.some((n) => !have?.includes(n));
}

/** On a terminal, asks about keys the classifier could not decide; elsewhere they stay config (with a warning). */
async function askDoubtful(root: string, source: string): Promise<Record<string, Plane>> {
  const answers: Record<string, Plane> = {};
  if (!process.stdin.isTTY || !process.stdout.isTTY) return answers;
  const text = readTextIfExists(join(root, source), source);
  if (text === undefined) return answers;
  const declared = loadProject({ dir: root, lookup: {}, requireLayers: false }).manifest.keys;
  const entries = parseDotenvEntries(text, { lookup: {}, file: source });
  const lower = new Set(Object.keys(declared).map((k) => k.toLowerCase()));
  const doubtful = [...new Set(entries.map((e) => e.key))].filter(
    (k) =>
      !(k in declared) &&
      !lower.has(k.toLowerCase()) &&
      !classifyKey(k, entries.filter((e) => e.key === k).pop()?.value).certain,
  );
  if (doubtful.length === 0) return answers;
  const rl = createInterface({ input: process.stdin, terminal: false });
  // Lines are pulled one by one, so answers typed ahead are not lost; at end of input the rest stay config.
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (const key of doubtful) {
      process.stdout.write(`Is ${key} a [s]ecret, [c]onfig or [p]ublic (browser) value? [c] `);
      const next = await lines.next();
      const reply = next.done ? '' : String(next.value).trim().toLowerCase();
      answers[key] = reply.startsWith('s') ? 'secret' : reply.startsWith('p') ? 'public' : 'config';
      if (next.done) process.stdout.write('\n');
    }
  } finally {
    rl.close();
  }
  return answers;
}

function planJson(plan: MigrationPlan, dryRun: boolean, resumed: number | undefined) {
  return {
    environment: plan.environment,
    source: plan.source ?? null,
    applied: !dryRun && plan.steps.length > 0,
    dryRun,
    resumedSteps: resumed ?? 0,
    moves: plan.moves.map((m) => ({
      key: m.key,
      from: m.from,
      plane: m.plane,
      name: m.name,
      to: m.to,
      tenant: m.tenant ?? null,
      status: m.status,
      reason: m.reason,
    })),
    // Paths and kinds only: the contents hold secret values.
    steps: plan.steps.map((s) => ({ op: s.op, kind: s.kind, path: s.path })),
    warnings: plan.warnings,
  };
}

function planText(plan: MigrationPlan, dryRun: boolean, resumed: number | undefined): string {
  const lines: string[] = [];
  if (resumed !== undefined) lines.push(style.yellow(`finished an interrupted migration (${resumed} steps)`), '');
  const title = plan.source ? `${plan.source} → ${plan.environment}` : `secrets in config layers → ${plan.environment}`;
  const verb = dryRun ? 'Plan (dry run, nothing written)' : plan.steps.length === 0 ? 'Nothing to change' : 'Migrated';
  lines.push(style.bold(`${verb}: ${title}`));
  const width = Math.max(0, ...plan.moves.map((m) => m.key.length));
  for (const m of plan.moves) {
    const name = m.name === m.key ? '' : ` as ${m.name}`;
    const status = m.status === 'moved' ? '' : style.dim(` (${m.status})`);
    const where = `${m.from.file}:${m.from.line}`;
    lines.push(
      `  ${m.key.padEnd(width)}  ${m.plane.padEnd(6)} → ${m.to}${name}${status}  ${style.dim(`${where}; ${m.reason}`)}`,
    );
  }
  if (plan.moves.length === 0) lines.push(style.dim('  nothing to migrate'));
  if (plan.steps.length > 0) {
    lines.push('', style.bold(dryRun ? 'Would write, in this order:' : 'Wrote, in this order:'));
    for (const s of plan.steps) lines.push(`  ${s.op === 'remove' ? 'remove' : s.kind.padEnd(9)} ${s.path}`);
  }
  for (const w of plan.warnings) lines.push(`${style.yellow('warning')}: ${w}`);
  // The backups are the one place the moved secrets stay in plaintext: say so, and how to get rid of them.
  const backups = plan.steps.filter((s) => s.op === 'write' && s.kind === 'backup').map((s) => s.path);
  if (backups.length > 0) {
    const one = backups.length === 1;
    lines.push(
      '',
      dryRun
        ? `Would keep the old text of ${one ? 'the rewritten layer' : 'each rewritten layer'}, plaintext secret values included, in ${backups.join(', ')} until you delete ${one ? 'it' : 'them'} (--remove-old keeps none).`
        : `${backups.join(', ')} ${one ? 'holds' : 'hold'} the old plaintext secret values (mode 0600, ignored by git), for undo only. Once the migrated values are verified (\`envplane check\`, then start the services), delete ${one ? 'it' : 'them'}: rm ${backups.map(shellPath).join(' ')}`,
    );
  }
  if (plan.source && !dryRun && !plan.steps.some((s) => s.op === 'remove'))
    lines.push(
      '',
      `Next: point docker-compose.yml at the new files (\`envplane render compose\`), test, then delete ${plan.source} (or run again with --remove-old).`,
    );
  return `${lines.join('\n')}\n`;
}
