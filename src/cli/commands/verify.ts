/**
 * `envplane verify`: the isolation proof. Statically, the isolation rules of `check` (bundles hold declared keys only,
 * tenants stay apart, Compose files grant nothing extra). With `--live`, every instance really runs under
 * `envplane run --pristine` with a probe that reports the names it sees and SHA-256 digests of the values, and tries to
 * read the store files of every other instance. An instance fails when it sees an undeclared name, or a value that
 * belongs to a secret it does not declare or to another tenant. Values never leave the probe; digests never leave here.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { EnvplaneError } from '../../errors.ts';
import type { Environment } from '../../manifest/types.ts';
import { gatherFacts } from '../../project/facts.ts';
import { loadProject } from '../../project/load.ts';
import { resolveBundle } from '../../resolve/bundle.ts';
import { findEnvironment, listInstances } from '../../resolve/instances.ts';
import type { Bundle } from '../../resolve/types.ts';
import { composeOverGrant } from '../../rules/compose-over-grant.ts';
import { type CheckResult, runRules } from '../../rules/index.ts';
import { isolationTenant } from '../../rules/isolation-tenant.ts';
import { isolationUndeclared } from '../../rules/isolation-undeclared.ts';
import { type InstanceView, judge, type Owned, type ProbeReport } from '../../rules/_live-view.ts';
import { readSecretValue } from '../../stores/read.ts';
import { dirArg, jsonArg } from '../_args.ts';
import { EXIT } from '../_fail.ts';
import { reportText } from '../_report.ts';
import { style } from '../_style.ts';

const STATIC_RULES = [isolationUndeclared, isolationTenant, composeOverGrant];

/**
 * The probe: prints names and digests of what it received, and which of the given paths it could read. A value is
 * hashed without one trailing newline, as stores read it.
 */
const PROBE = `const fs = require('node:fs');
const { createHash } = require('node:crypto');
const h = (v) => createHash('sha256').update(v.replace(/\\r?\\n$/, '')).digest('hex');
const paths = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const env = {};
for (const [k, v] of Object.entries(process.env)) env[k] = h(v);
const files = {};
const dir = process.env.ENVPLANE_SECRETS_DIR;
if (dir) for (const n of fs.readdirSync(dir)) files[n] = h(fs.readFileSync(dir + '/' + n, 'utf8'));
const reachable = [];
for (const p of paths) { try { fs.readFileSync(p); reachable.push(p); } catch {} }
process.stdout.write(JSON.stringify({ env, files, reachable }));
`;

export default defineCommand({
  meta: {
    name: 'verify',
    description: 'Prove isolation: static checks, and with --live a probe run as every instance',
  },
  args: {
    env: {
      type: 'string',
      alias: 'e',
      description: 'Environment name or alias (required with --live; default without: every environment)',
      valueHint: 'env',
    },
    live: {
      type: 'boolean',
      description: 'Run a probe as every instance under `envplane run` and report what it can read (default: false)',
    },
    ...jsonArg,
    ...dirArg,
  },
  run({ args }) {
    const { root, input } = gatherFacts({
      ...(args.dir ? { dir: args.dir } : {}),
      ...(args.env ? { environment: args.env } : {}),
    });
    const statics = runRules(input, STATIC_RULES);
    let views: InstanceView[] = [];
    if (args.live) {
      if (!args.env)
        throw new EnvplaneError('usage', 'verify --live needs --env', {
          hint: 'e.g. envplane verify --live --env dev',
        });
      const environment = findEnvironment(input.manifest, args.env);
      if (environment.secrets.kind !== 'files')
        throw new EnvplaneError('usage', `the ${environment.name} store is external; --live runs instances locally`, {
          hint: 'verify --live an environment with a files store; the static proof (without --live) covers this one',
        });
      views = liveViews(root, environment);
    }
    const failed = statics.problems.length > 0 || views.some((v) => !v.ok);
    if (args.json)
      process.stdout.write(
        `${JSON.stringify({ ok: !failed, static: { problems: statics.problems, silenced: statics.silenced }, live: args.live ? { environment: args.env, instances: views } : null }, null, 2)}\n`,
      );
    else process.stdout.write(text(statics, views, args.live === true));
    return failed ? EXIT.problems : EXIT.ok;
  },
});

function liveViews(root: string, environment: Environment): InstanceView[] {
  // The project is loaded again with layers required: --live runs real instances, which need every layer file.
  const project = loadProject({ dir: root, environment: environment.name });
  const instances = listInstances(project.manifest);
  const bundles = instances.map((i) => resolveBundle(project.manifest, project.layers, environment, i));
  const digest = (v: string) => createHash('sha256').update(v).digest();
  const owned: Owned[] = bundles.flatMap((b) =>
    b.secrets.flatMap((s) => {
      const value = readSecretValue(project.root, s.location, project.layers);
      if (value === undefined) return [];
      const tenant = s.tenant !== undefined ? { tenant: s.tenant } : {};
      return [{ secret: s.name, owner: b.instance.id, ...tenant, digest: digest(value) }];
    }),
  );
  const work = mkdtempSync(join(tmpdir(), 'envplane-verify-'));
  try {
    writeFileSync(join(work, 'probe.cjs'), PROBE, { mode: 0o600 });
    return bundles.map((b) => {
      const others = bundles
        .filter((o) => o !== b)
        .flatMap((o) => o.secrets.flatMap((s) => (s.location.kind === 'file' ? [join(root, s.location.path)] : [])));
      const mine = new Set(b.secrets.flatMap((s) => (s.location.kind === 'file' ? [join(root, s.location.path)] : [])));
      const pathsFile = join(work, `${b.instance.slug}.json`);
      writeFileSync(pathsFile, JSON.stringify([...new Set(others)].filter((p) => !mine.has(p))), { mode: 0o600 });
      return judge(b, probe(root, environment, b, join(work, 'probe.cjs'), pathsFile), owned);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs the probe as one instance, through the same CLI that is running now (so the real `run` is exercised). */
function probe(
  root: string,
  environment: Environment,
  bundle: Bundle,
  probePath: string,
  pathsFile: string,
): ProbeReport | string {
  const instance = bundle.instance;
  const argv = [
    ...process.execArgv,
    process.argv[1]!,
    'run',
    '--env',
    environment.name,
    '--service',
    instance.service,
    ...(instance.tenant !== undefined ? ['--tenant', instance.tenant] : []),
    '--dir',
    root,
    '--pristine',
    '--',
    process.execPath,
    probePath,
    pathsFile,
  ];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0)
    return (r.stderr || `exit ${r.status}`).split('\n').find((l) => l.trim() !== '') ?? `exit ${r.status}`;
  try {
    return JSON.parse(r.stdout) as ProbeReport;
  } catch {
    return 'the probe printed no report';
  }
}

function text(statics: CheckResult, views: InstanceView[], live: boolean): string {
  const lines: string[] = [];
  lines.push(style.bold('static proof'));
  lines.push(
    statics.problems.length === 0
      ? `  ${style.green('✓')} bundles hold declared keys only; tenants stay apart; Compose files grant nothing extra`
      : reportText(statics, 'file').trimEnd(),
  );
  if (live) {
    lines.push('', style.bold('live proof') + style.dim(' (each instance under `envplane run --pristine`)'));
    const width = Math.max(0, ...views.map((v) => v.instance.length));
    for (const v of views) {
      const mark = v.ok ? style.green('✓') : style.red('✗');
      if (v.error) {
        lines.push(`  ${mark} ${v.instance.padEnd(width)}  could not run: ${v.error}`);
        continue;
      }
      const seen = `${v.env.length} env vars, ${v.files.length} secret files${v.files.length ? ` (${v.files.join(', ')})` : ''}`;
      lines.push(`  ${mark} ${v.instance.padEnd(width)}  ${seen}`);
      for (const u of v.undeclared) lines.push(`      ${style.red('undeclared')}: ${u}`);
      for (const f of v.foreign)
        lines.push(`      ${style.red('foreign value')}: ${f.seenAs} holds the value of ${f.secret} of ${f.owner}`);
      if (v.hostReadable.length > 0)
        lines.push(
          style.dim(
            `      note: on this host it could also read ${v.hostReadable.length} store file(s) of other instances (run does not sandbox the file system)`,
          ),
        );
    }
  }
  const failed = statics.problems.length > 0 || views.some((v) => !v.ok);
  lines.push('', failed ? style.red('isolation NOT proven') : style.green('isolation proven'));
  return `${lines.join('\n')}\n`;
}
