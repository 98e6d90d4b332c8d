/**
 * `envplane compose --env dev [--] <compose args…>`: the user's own `docker compose` (v2 plugin, or docker-compose
 * v1), with the user's own compose files plus envplane's wiring for this run: each instance's declared config, its
 * secrets under names that change with their values (so `up` recreates exactly the containers that use a changed
 * one). With Compose ≥ 2.6 the values travel in Compose's own process environment only; with older Compose the files
 * store's files are mounted, and a value without a file gets one in a private tmpfs folder that lives until
 * `envplane compose -- down`. Compose's output goes through the redactor; exit code and signals pass through.
 */
import { defineCommand } from 'citty';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { EnvplaneError } from '../../errors.ts';
import { runChild, SignalRelay } from '../../io/child.ts';
import { detectCompose } from '../../io/compose.ts';
import { createSecretsDir, removeOrphans, type SecretsDir, secretsBase } from '../../io/secrets-dir.ts';
import { readComposeFiles } from '../../project/compose.ts';
import { loadProject } from '../../project/load.ts';
import type { Bundle } from '../../resolve/types.ts';
import { resolveBundle } from '../../resolve/bundle.ts';
import { findEnvironment, listInstances } from '../../resolve/instances.ts';
import { StreamRedactor } from '../../redact/redactor.ts';
import { secretSource } from '../../targets/_compose.ts';
import { composeArgv, splitComposeArgs, TRANSIENT, userComposeFiles } from '../../targets/compose-run.ts';
import { renderWiring } from '../../targets/compose-wiring.ts';
import { dirArg, envArg } from '../_args.ts';
import { required } from '../_instance.ts';
import { writeStdout } from '../_output.ts';
import { styleErr } from '../_style.ts';
import {
  composeFilesDir,
  removeComposeFiles,
  revisionKey,
  revisionOf,
  valuesBySource,
  writeComposeFile,
} from './_compose-values.ts';
import { baseEnv, readBundleSecrets } from './_deliver.ts';

export default defineCommand({
  meta: {
    name: 'compose',
    description: 'Run your docker compose with your compose files plus envplane’s wiring: compose --env dev -- up',
  },
  args: {
    args: {
      type: 'positional',
      required: false,
      description:
        'Compose’s arguments (after `--` when any starts with `-`): `up -d`, `config`, `run --rm backend sh`',
      valueHint: 'args…',
    },
    ...envArg,
    'dry-run': {
      type: 'boolean',
      description: 'Print the Compose command line and the wiring (names, no values) and run nothing (default: false)',
    },
    ...dirArg,
  },
  async run({ args }) {
    const envName = required(args.env, 'env', 'name an environment, e.g. --env development');
    // Every word before `--` and everything after it, in order (`_` holds both).
    const composeArgs = [...((args as { _?: string[] })._ ?? [])];
    if (composeArgs.length === 0)
      throw new EnvplaneError('usage', 'no Compose command', {
        hint: 'e.g. envplane compose --env dev -- up -d   (or -- config to see the merged result)',
      });
    const project = loadProject({ ...(args.dir ? { dir: args.dir } : {}), environment: envName });
    const environment = findEnvironment(project.manifest, envName);
    const bundles = listInstances(project.manifest).map((i) =>
      resolveBundle(project.manifest, project.layers, environment, i),
    );
    const relay = new SignalRelay();
    let wiringDir: SecretsDir | undefined;
    const cleanUp = () => wiringDir?.remove();
    process.prependOnceListener('exit', cleanUp);
    try {
      const env = baseEnv(false, secretsBase());
      const { compose, note } = detectCompose(env);
      const split = splitComposeArgs(composeArgs);
      const cwd = process.cwd();
      // The user's -f files are relative to where they typed the command; Compose runs in the project folder.
      const user = userComposeFiles(split, env, (f) => existsSync(join(project.root, f)));
      const userFiles = user.files.map((f) =>
        user.from === 'default' ? f : toProject(project.root, isAbsolute(f) ? f : resolve(cwd, f)),
      );
      for (const f of userFiles)
        if (!existsSync(resolve(project.root, f)))
          throw new EnvplaneError('input', `compose file ${f} does not exist`, {
            hint: 'name an existing file with -f, or fix COMPOSE_FILE',
          });

      refuseOwnMounts(project.root, userFiles, bundles);
      const context = { project, environment };
      const values = await valuesBySource(
        bundles,
        (bundle) => readBundleSecrets({ ...context, instance: bundle.instance }, bundle, 'envplane compose'),
        secretSource,
      );
      const key = values.size > 0 ? revisionKey(project, environment) : undefined;
      const filesDir = composeFilesDir(project.root, environment.name);
      const subcommand = split.command[0] ?? '';
      const wiring = renderWiring({
        manifest: project.manifest,
        environment,
        bundles,
        compose,
        revision: (source) => {
          const v = values.get(source);
          return key !== undefined && v ? revisionOf(key, source, v.value) : undefined;
        },
        fileOf: (source, ref) => {
          if (ref.location.kind === 'file') return ref.location.path;
          const v = values.get(source);
          return args['dry-run'] || !v ? join(filesDir, source) : writeComposeFile(filesDir, source, v.value);
        },
        buildFileOf: (id) => {
          const b = bundles.flatMap((x) => x.build).find((x) => x.id === id);
          return b?.location.kind === 'file' ? b.location.path : undefined;
        },
        command: `envplane compose --env ${environment.name}`,
        digest: provenance(project.manifest, bundles),
      });
      for (const w of wiring.warnings) process.stderr.write(`${styleErr.yellow('warning')}: ${w}\n`);
      wiringDir = createSecretsDir(secretsBase());
      const wiringFile = wiringDir.write('compose.envplane.yml', wiring.text);
      const argv = composeArgv(split, userFiles, wiringFile);
      const [program, ...lead] = compose.argv as [string, ...string[]];
      process.stderr.write(
        `${styleErr.dim('envplane compose')}: ${note}; files: ${[...userFiles, '(envplane wiring)'].join(', ')}; ${values.size} secret(s) ${wiring.delivery === 'environment' ? 'in Compose’s environment' : 'as files'}\n`,
      );
      if (args['dry-run']) {
        writeStdout(`${[program, ...lead, ...argv].join(' ')}\n${wiring.text}`);
        return 0;
      }
      for (const s of wiring.secrets) {
        const v = values.get(s.source);
        if (s.variable !== undefined && v) env[s.variable] = v.value;
      }
      const secrets = [...values.values()].map((v) => ({ name: v.ref.name, value: v.value }));
      const code = await runChild(
        {
          command: program,
          args: [...lead, ...argv],
          env,
          cwd: project.root,
          filter: () => new StreamRedactor(secrets),
          onSpawn: () => removeOrphans(secretsBase()),
        },
        relay,
      );
      // The folder of files lives as long as containers may mount it: until `down`, or right away when nothing
      // outlives this Compose process.
      if (subcommand === 'down' || TRANSIENT.has(subcommand) || wiring.delivery === 'environment')
        removeComposeFiles(filesDir);
      return code;
    } finally {
      cleanUp();
      process.off('exit', cleanUp);
      relay.release();
    }
  },
});

/**
 * A service of the user's files that mounts, itself, a secret envplane wires for it (same target): Compose would
 * mount two secrets at one path (v1 and v2 merge the lists by name, and envplane's names carry the revision). The
 * user's mount must go; every one is named with its file and line.
 */
function refuseOwnMounts(root: string, files: readonly string[], bundles: readonly Bundle[]): void {
  const relativeFiles = files.filter((f) => !isAbsolute(f));
  if (relativeFiles.length === 0) return;
  const model = readComposeFiles(root, relativeFiles);
  const clashes: string[] = [];
  for (const bundle of bundles) {
    const service = model.services[bundle.instance.slug];
    if (!service) continue;
    for (const mount of service.secrets)
      if (bundle.secrets.some((s) => s.target === mount.target))
        clashes.push(`${mount.file}:${mount.line}: ${service.name} mounts ${mount.source}`);
  }
  if (clashes.length > 0)
    throw new EnvplaneError(
      'input',
      `your compose file mounts secrets that envplane compose wires itself: ${clashes.join('; ')}`,
      {
        hint: 'remove those `secrets:` entries from the services (envplane mounts each declared secret, under a name that changes with its value); `envplane compose --env <env> --dry-run -- up` shows the wiring',
      },
    );
}

function toProject(root: string, absolute: string): string {
  const rel = relative(root, absolute);
  return rel.startsWith('..') ? absolute : rel;
}

/**
 * `x-envplane.digest`: SHA-256 of the normalized manifest (positions left out) and every instance's references (key
 * names, layer files and lines, secret names and targets), never of a value.
 */
function provenance(
  manifest: object,
  bundles: readonly {
    instance: { id: string };
    config: { key: string; source: unknown }[];
    secrets: { name: string; target: string }[];
  }[],
): string {
  const { positions: _p, ...rest } = manifest as { positions?: unknown };
  const refs = bundles.map((b) => ({
    instance: b.instance.id,
    config: b.config.map((c) => [c.key, c.source]),
    secrets: b.secrets.map((s) => [s.name, s.target]),
  }));
  return `sha256:${createHash('sha256')
    .update(JSON.stringify([rest, refs]))
    .digest('hex')}`;
}
