import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { withAudit } from '../../audit/log.ts';
import { EnvplaneError } from '../../errors.ts';
import { loadProject } from '../../project/load.ts';
import { findEnvironment } from '../../resolve/instances.ts';
import { PREVIOUS_SUFFIX } from '../../stores/files.ts';
import { generateValue } from '../../stores/generate.ts';
import { rollbackFile, rotateFile } from '../../stores/rotate.ts';
import {
  readRotationState,
  type RotationRecord,
  recordRotations,
  rotationRecord,
  withStateRestored,
} from '../../stores/state.ts';
import { rotationTarget } from '../../stores/target.ts';
import { valueFromBytes } from '../../stores/value.ts';
import { dirArg, jsonArg } from '../_args.ts';
import { required } from '../_context.ts';
import { style } from '../_style.ts';
import { shellLine } from '../../shell.ts';

export default defineCommand({
  meta: {
    name: 'rotate',
    description: 'Replace a secret’s value atomically, keeping the previous one for one --rollback',
  },
  args: {
    secret: { type: 'positional', description: 'Secret name, e.g. postgres_password', required: false },
    env: { type: 'string', alias: 'e', description: 'Environment name or alias (required)', valueHint: 'env' },
    tenant: { type: 'string', alias: 't', description: 'Tenant, for a per-tenant secret', valueHint: 'tenant' },
    'from-stdin': {
      type: 'boolean',
      description:
        'Read the new value from stdin (one trailing newline dropped) instead of generating it (default: false)',
    },
    rollback: { type: 'boolean', description: 'Put back the value the last rotation replaced (default: false)' },
    'dry-run': { type: 'boolean', description: 'Say what would change and write nothing (default: false)' },
    ...jsonArg,
    ...dirArg,
  },
  run({ args }) {
    const name = args.secret;
    if (!name)
      throw new EnvplaneError('usage', 'missing the secret to rotate', {
        hint: 'envplane rotate <secret> --env <env> (see envplane rotate --help)',
      });
    const envName = required(args.env, 'env', 'name an environment, e.g. --env development');
    if (args.rollback && args['from-stdin'])
      throw new EnvplaneError('usage', '--rollback and --from-stdin do not go together', {
        hint: 'a rollback puts back the previous value; it takes no new one',
      });
    const project = loadProject({ ...(args.dir ? { dir: args.dir } : {}), environment: envName });
    const environment = findEnvironment(project.manifest, envName);
    const target = rotationTarget(project.manifest, project.layers, environment, name, args.tenant);
    const { key, tenant, shown } = target;
    const file = { storeDir: target.storeDir, path: target.path };

    let value: string | undefined;
    if (!args.rollback) {
      if (args['from-stdin']) value = readValueFromStdin();
      else if (!key.generate)
        throw new EnvplaneError('usage', `${key.name} has no generation rule; pass the new value with --from-stdin`, {
          hint: `e.g. \`pbpaste | ${shellLine(['envplane', 'rotate', key.name, '--env', environment.name, '--from-stdin'])}\` (never as an argument: argv is visible to every user)`,
        });
    }
    const action = args.rollback ? 'rollback' : 'rotate';
    if (!args['dry-run'])
      // The intent line is on disk before the secret changes; if it cannot be written, nothing changes.
      withAudit(project.root, [{ command: 'rotate', action, environment: environment.name, secrets: [shown] }], () =>
        // The rotation time first, put back if the secret cannot be changed: a `failed` line must mean that nothing
        // changed, and a `done` line that both did.
        withStateRestored(project.root, () => {
          const now = new Date().toISOString();
          const before = rotationRecord(readRotationState(project.root), environment.name, key.name, tenant);
          // The age belongs to the value: rotate remembers when the value it keeps as .previous was written, and a
          // rollback puts that time back with the value.
          const kept = args.rollback ? undefined : valueWrittenAt(project.root, file.path, before);
          const restored = args.rollback ? (before?.previous ?? previousWrittenAt(project.root, file.path)) : undefined;
          recordRotations(project.root, [
            {
              environment: environment.name,
              secret: key.name,
              ...(tenant !== undefined ? { tenant } : {}),
              rotatedAt: restored?.rotatedAt ?? now,
              by: restored ? (restored.by === 'unknown' ? 'rollback' : restored.by) : action,
              ...(kept ? { previous: kept } : {}),
            },
          ]);
          if (args.rollback) rollbackFile(project.root, file);
          else rotateFile(project.root, file, value ?? generateValue(key.generate!));
        }),
      );
    const result = {
      dryRun: Boolean(args['dry-run']),
      action,
      environment: environment.name,
      secret: key.name,
      tenant: tenant ?? null,
      path: file.path,
      previous: args.rollback ? null : file.path + PREVIOUS_SUFFIX,
      source: args.rollback ? 'previous' : args['from-stdin'] ? 'stdin' : 'generated',
    };
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(rotateText(result));
  },
});

function rotateText(r: {
  dryRun: boolean;
  action: string;
  secret: string;
  tenant: string | null;
  environment: string;
  path: string;
  previous: string | null;
}): string {
  const who = r.tenant ? `${r.secret}@${r.tenant}` : r.secret;
  const lines =
    r.action === 'rollback'
      ? [`${r.dryRun ? 'would roll back' : 'rolled back'} ${style.bold(who)} in ${r.environment}: ${r.path}`]
      : [
          `${r.dryRun ? 'would rotate' : 'rotated'} ${style.bold(who)} in ${r.environment}: ${r.path}`,
          style.dim(`  the replaced value is kept in ${r.previous} for one \`--rollback\``),
        ];
  if (!r.dryRun) lines.push(style.dim('  restart the services that read it so they pick up the new value'));
  else lines.push(style.dim('  dry run: nothing was written'));
  return `${lines.join('\n')}\n`;
}

/** The new value from stdin (read before the lock is taken: a slow pipe must not hold other runs up). */
function readValueFromStdin(): string {
  // Typed at a terminal, the value would be echoed and stay in the scrollback.
  if (process.stdin.isTTY)
    throw new EnvplaneError('usage', '--from-stdin reads a pipe or a file, not the terminal', {
      hint: 'e.g. `pbpaste | envplane rotate <secret> --env <env> --from-stdin`, or `... --from-stdin < value.txt`',
    });
  let bytes: Buffer;
  try {
    bytes = readFileSync(0);
  } catch (error) {
    throw new EnvplaneError('input', `cannot read stdin: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`, {
      location: { file: '<stdin>' },
    });
  }
  return valueFromBytes(bytes, '<stdin>');
}

/**
 * When the value about to become `.previous` was written: its record, else (a file written by hand) its
 * modification time, as `check` would age it. Undefined when there is no value.
 */
function valueWrittenAt(root: string, path: string, record: RotationRecord | undefined): RotationRecord['previous'] {
  const st = lstatSync(join(root, path), { throwIfNoEntry: false });
  if (!st?.isFile() || st.size === 0) return undefined;
  if (record) return { rotatedAt: record.rotatedAt, by: record.by };
  return { rotatedAt: st.mtime.toISOString(), by: 'unknown' };
}

/**
 * A `.previous` kept before rotate remembered its time (or whose record is gone): the value is at least as old as
 * the file that holds it, so its modification time is the youngest age it can have, never "now".
 */
function previousWrittenAt(root: string, path: string): RotationRecord['previous'] {
  const st = lstatSync(join(root, path + PREVIOUS_SUFFIX), { throwIfNoEntry: false });
  return st?.isFile() ? { rotatedAt: st.mtime.toISOString(), by: 'unknown' } : undefined;
}
