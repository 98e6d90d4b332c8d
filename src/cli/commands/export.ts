/**
 * `envplane export`: the second seed's `cat .env.shared .env.etl.wex > services/etl-service/.env`, done right.
 * Exactly one instance's config and public keys, serialized so that Compose and npm dotenv read the same values,
 * written atomically with mode 0600. Secrets go in as `<KEY>_FILE=<path>` pointers unless --include-secrets.
 * Every refusal happens before anything is written.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { appendAudit, withAudit } from '../../audit/log.ts';
import { type SerializeWarning, serializeDotenvReport } from '../../dotenv/index.ts';
import { EnvplaneError } from '../../errors.ts';
import { removeStaleTemps, writeFileAtomic } from '../../io/atomic.ts';
import { ignoredPaths, isGitRepo, isTracked } from '../../io/git.ts';
import { redactText } from '../../redact/redactor.ts';
import { resolveBundle } from '../../resolve/bundle.ts';
import type { Bundle, SecretRef } from '../../resolve/types.ts';
import { dirArg, envArg, instanceArgs } from '../_args.ts';
import { type InstanceContext, loadInstance, required } from '../_context.ts';
import { outputFile } from '../_flags.ts';
import { styleErr } from '../_style.ts';
import { auditName, readBundleSecrets, type SecretValue, secretEnvName } from './run.ts';
import { shellLine, shellPath } from '../../shell.ts';

export default defineCommand({
  meta: {
    name: 'export',
    description: 'Write one instance’s .env file (exactly its keys; secrets as file paths unless --include-secrets)',
  },
  args: {
    ...envArg,
    ...instanceArgs,
    output: {
      type: 'string',
      alias: 'o',
      description: 'File to write, relative to the current folder, or `-` for stdout (required)',
      valueHint: 'file',
    },
    'include-secrets': {
      type: 'boolean',
      description: 'Write secret values inline instead of <KEY>_FILE paths (default: false)',
    },
    force: {
      type: 'boolean',
      description: 'Write even a file that git tracks or that .gitignore does not cover (default: false)',
    },
    reveal: {
      type: 'boolean',
      description: 'Allow secret values on stdout, with `-o - --include-secrets` (default: false)',
    },
    ...dirArg,
  },
  async run({ args }) {
    const includeSecrets = args['include-secrets'] === true;
    const output = required(
      args.output,
      'output',
      'name the file to write, e.g. -o services/etl/.env (or - for stdout)',
    );
    const toStdout = output === '-';
    if (!toStdout) outputFile(output);
    if (toStdout && includeSecrets && !args.reveal)
      throw new EnvplaneError('usage', 'refusing to print secret values to stdout', {
        hint: 'add --reveal if you really mean it, or write to a file with -o <file>',
      });
    const context = loadInstance(args);
    const { project, environment, instance } = context;
    const bundle = resolveBundle(project.manifest, project.layers, environment, instance);
    const target = toStdout ? undefined : resolve(output);
    if (target) refuseTarget(context, bundle, target, output, args.force === true);

    const secrets = await readBundleSecrets(context, bundle, 'envplane export');
    const { values, skipped } = exportValues(bundle, secrets, includeSecrets, project.root);
    const report = serializeDotenvReport(values);
    const exported = ['envplane', 'export', '--env', environment.name, '--service', instance.service];
    if (instance.tenant) exported.push('--tenant', instance.tenant);
    const header = `# ${shellLine(exported)} (${includeSecrets ? 'secret values inline' : 'secrets as file paths'})\n`;
    const text = header + report.text;

    // Warnings could quote text around a value; pass them through the redactor so a value can never show.
    const named = secrets.map((s) => ({ name: s.ref.name, value: s.value }));
    for (const warning of portabilityWarnings(report.warnings)) warn(redactText(warning, named));
    for (const ref of skipped) warn(skippedText(ref));
    if (includeSecrets && secrets.length > 0)
      warn(
        `${secrets.length} secret value(s) written inline: keep the file out of git and images, ` +
          'and prefer secret files (the default) where the program can read <KEY>_FILE',
      );

    const events =
      includeSecrets && secrets.length > 0
        ? [
            {
              command: 'export',
              action: 'export' as const,
              environment: bundle.environment,
              instance: bundle.instance.id,
              secrets: secrets.map((s) => auditName(s.ref)),
            },
          ]
        : [];
    if (!target) {
      // On stdout the values leave at once: the line is written first, and if it cannot be, nothing is printed.
      for (const event of events) appendAudit(project.root, event);
      process.stdout.write(text);
      return;
    }
    // A file: the intent line first, the file in place, then the outcome (the file is the change).
    withAudit(project.root, events, () => {
      // A killed earlier export left its temp file (maybe with secret values) beside the output.
      removeStaleTemps(dirname(target));
      writeFileAtomic(target, text, { mode: 0o600, shownAs: output });
    });
    const count = Object.keys(values).length;
    process.stdout.write(
      `wrote ${output} (${count} key${count === 1 ? '' : 's'}, mode 0600) for ${instance.id} in ${environment.name}\n`,
    );
  },
});

/** Config/public values (unset ones left out), then secrets as pointers or, when asked, inline values. */
export function exportValues(
  bundle: Bundle,
  secrets: readonly SecretValue[],
  inline: boolean,
  root: string,
): { values: Record<string, string>; skipped: SecretRef[] } {
  const values: Record<string, string> = {};
  const skipped: SecretRef[] = [];
  for (const c of bundle.config) if (c.value !== undefined) values[c.key] = c.value;
  for (const { ref, value } of secrets) {
    if (inline) values[secretEnvName(ref.name)] = value;
    else if (ref.location.kind === 'file') values[ref.fileEnv] = resolve(root, ref.location.path);
    else skipped.push(ref);
  }
  return { values, skipped };
}

/**
 * The serializer flags every entry for raw readers (they keep the quotes); that is said once. What npm dotenv would
 * misread, and line breaks no raw reader can hold, are said per key.
 */
function portabilityWarnings(warnings: readonly SerializeWarning[]): string[] {
  const out: string[] = [];
  for (const w of warnings) {
    if (w.consumers.includes('dotenv')) out.push(`${w.key}: ${w.reason}`);
    else if (w.reason.includes('line break')) out.push(`${w.key}: raw env-file readers cannot hold its line break`);
  }
  if (warnings.length > 0)
    out.push('the file is for Compose `env_file:` and dotenv; `docker run --env-file` and Swarm keep the quotes');
  return out;
}

function skippedText(ref: SecretRef): string {
  const at = ref.location;
  if (at.kind === 'layer')
    return `${ref.name} lives in ${at.file}:${at.line} (a config file), so there is no secret file to point at; not exported (use --include-secrets, or move it to the secret store with \`envplane migrate\`)`;
  return `${ref.name} is not a local file (${at.kind === 'external' ? `external secret ${at.name}` : at.kind === 'store' ? at.ref : at.path}); not exported`;
}

/** Every reason not to write `target`, checked before anything is written. */
function refuseTarget(context: InstanceContext, bundle: Bundle, target: string, shown: string, force: boolean): void {
  const { project } = context;
  const storeFiles = bundle.secrets.flatMap((s) => (s.location.kind === 'file' ? [s.location.path] : []));
  const inputs = new Set([...bundle.layers, ...Object.keys(project.layers), project.manifest.file, ...storeFiles]);
  const real = realOrSelf(target);
  for (const input of inputs) {
    const path = resolve(project.root, input);
    if (path === target || realOrSelf(path) === real)
      throw new EnvplaneError('usage', `refusing to overwrite ${input}: it is an input of this project`, {
        hint: 'export to a new file, e.g. -o services/<service>/.env',
      });
  }
  if (force) return;
  const repo = nearestExisting(dirname(target));
  if (!isGitRepo(repo)) return;
  const rel = relative(repo, target);
  if (isTracked(repo, rel))
    throw new EnvplaneError('usage', `refusing to write ${shown}: git tracks it, so the values would be committed`, {
      hint: `\`git rm --cached ${shellPath(rel)}\` and add it to .gitignore, or pass --force`,
    });
  if (!ignoredPaths(repo, [rel]).has(rel))
    throw new EnvplaneError('usage', `refusing to write ${shown}: .gitignore does not cover it`, {
      hint: `add \`${basename(target)}\` (or a pattern such as \`.env\`) to .gitignore, or pass --force`,
    });
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function nearestExisting(dir: string): string {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

function warn(text: string): void {
  process.stderr.write(`${styleErr.yellow('warning')}: ${text}\n`);
}
