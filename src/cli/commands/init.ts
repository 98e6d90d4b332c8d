import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { projectName, scaffoldProject } from '../../adopt/scaffold.ts';
import { EnvplaneError } from '../../errors.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { readTextIfExists } from '../../io/read.ts';
import { isValidName, NAME_RULES } from '../../manifest/names.ts';
import { SCHEMA_REF } from '../../manifest/write.ts';
import { MANIFEST_FILE } from '../../project/load.ts';
import { completeGitignore, wantedIgnoreLines } from '../../setup/gitignore.ts';
import { jsonArg } from '../_args.ts';
import { invalidFlagValue } from '../_flags.ts';
import { style } from '../_style.ts';

export default defineCommand({
  meta: {
    name: 'init',
    description: 'Create envplane.yaml: a new project, or --from-existing to describe the project as it is',
  },
  args: {
    project: { type: 'string', description: 'Project name (default: the folder name)', valueHint: 'name' },
    env: {
      type: 'string',
      alias: 'e',
      description: 'Environments of a new project, comma-separated (default: development,production)',
      valueHint: 'envs',
    },
    'from-existing': {
      type: 'boolean',
      description:
        'Infer the manifest from compose files, config/, secrets/ and .env.* files; writes envplane.yaml only (default: false)',
    },
    'dry-run': { type: 'boolean', description: 'Print what would be written and write nothing (default: false)' },
    force: { type: 'boolean', description: 'Replace an existing envplane.yaml (default: false)' },
    ...jsonArg,
    dir: { type: 'string', description: 'Project folder (default: the current directory)', valueHint: 'path' },
  },
  async run({ args }) {
    const root = resolve(args.dir ?? process.cwd());
    if (existsSync(join(root, MANIFEST_FILE)) && !args.force)
      throw new EnvplaneError('usage', `${MANIFEST_FILE} already exists in ${root}`, {
        hint: 'edit it, or pass --force to replace it',
      });
    const project = args.project ?? projectName(basename(root));
    if (!isValidName('project', project))
      throw invalidFlagValue('project', NAME_RULES.project.rule, `the name is used in ${NAME_RULES.project.becomes}`);
    if (args['from-existing']) {
      const { initFromExisting } = await import('./_init-existing.ts');
      return initFromExisting(root, {
        project,
        schemaRef: SCHEMA_REF,
        dryRun: args['dry-run'] === true,
        json: args.json === true,
      });
    }
    const environments = (args.env ?? 'development,production')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    if (environments.length === 0 || environments.some((e) => !isValidName('environment', e)))
      throw invalidFlagValue(
        'env',
        `comma-separated names, each ${NAME_RULES.environment.rule}`,
        'e.g. --env development,staging,production',
      );
    const files = scaffoldProject(project, environments, SCHEMA_REF);
    const written: string[] = [];
    const skipped: string[] = [];
    for (const file of files) {
      const path = join(root, file.path);
      const replace = file.path === MANIFEST_FILE && args.force === true;
      if (existsSync(path) && !replace) {
        skipped.push(file.path);
        continue;
      }
      written.push(file.path);
      if (!args['dry-run'])
        writeFileAtomic(path, file.contents, {
          mode: file.mode,
          dirMode: file.path.startsWith('secrets/') ? 0o700 : 0o755,
          shownAs: file.path,
        });
    }
    const ignored = completeGitignore(
      readTextIfExists(join(root, '.gitignore'), '.gitignore'),
      wantedIgnoreLines(['secrets'], [], false),
    );
    if (ignored) {
      written.push('.gitignore');
      if (!args['dry-run'])
        writeFileAtomic(join(root, '.gitignore'), ignored.text, { mode: 0o644, shownAs: '.gitignore' });
    }
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ project, environments, written, skipped, dryRun: args['dry-run'] === true }, null, 2)}\n`,
      );
      return;
    }
    const lines = [style.bold(`${args['dry-run'] ? 'Would create' : 'Created'} project ${project}`)];
    for (const p of written) lines.push(`  ${style.green('+')} ${p}`);
    for (const p of skipped) lines.push(`  ${style.dim(`= ${p} (already there, left alone)`)}`);
    lines.push(
      '',
      'Next steps:',
      `  1. Declare your keys and services in ${MANIFEST_FILE} (your editor completes it from the schema).`,
      '  2. Put non-secret settings in config/*.env; run `envplane setup --env development` to create secret files.',
      '  3. `envplane check` proves that every service gets only what it declares.',
      '  Have a project already? `envplane init --from-existing --force` describes it as it is.',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  },
});
