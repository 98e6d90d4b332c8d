/**
 * Step 5: the services, for real. The backend and one ETL worker per tenant are started together by `envplane start`
 * (each one's `command:` in the manifest) as local HTTP servers, the frontend build runs once under `envplane run`; each is asked (with the probe of isolation.ts) what it was
 * given. The answers make the instance × secret table; any secret where it should not be, or missing where it
 * should be, fails the demo. Then `envplane scan` looks at the frontend's bundle for any secret value.
 */
import { type Cell, expectations, type InstanceReport, judge, undeclaredVariables } from './isolation.ts';
import { askService, type Launch, runOnce, startServices, taggedJson } from './services.ts';
import type { Outcome, Step } from './step.ts';
import { bold, dim, envplane, green, red, say, yellow } from './transcript.ts';

const BUILDS: Record<string, string[]> = { frontend: ['services/frontend/build.mjs', 'dist'] };

export const isolationStep: Step = {
  number: 5,
  id: 'isolation',
  title: 'The services run under envplane start: each gets its own bundle and nothing else',
  async run(state, shell): Promise<Outcome> {
    if (!state.available.run)
      return { status: 'unavailable', detail: '`envplane run` not available yet; step not run' };
    // envplane's own proof first (static rules, then a probe run as every instance), then the demo's services.
    const verify = await verifyLive(state.available.verify === true, state.environment, shell);
    if (verify.status === 'failed') return verify;
    const expect = expectations(state.project, state.environment);
    say(
      dim(
        `  probe: ${expect.labels.length} secrets, sent to every instance as HMAC-SHA256 fingerprints under a fresh salt, with their store paths (never a value)`,
      ),
    );
    const launch: Launch = {
      cli: state.cli,
      cwd: state.project,
      environment: state.environment,
      processes: state.processes,
    };
    const reports = new Map<string, InstanceReport>();
    if (!state.available.start)
      return { status: 'unavailable', detail: '`envplane start` not available yet; the services were not started' };
    const { instances: running } = await startServices(launch);
    for (const service of running) reports.set(service.instance, await askService(launch, service, expect.probe));
    for (const instance of expect.grants.keys()) {
      const program = BUILDS[instance];
      if (!program) continue;
      const build = await runOnce(launch, instance, program, JSON.stringify(expect.probe));
      const report = taggedJson<InstanceReport>(build.stdout, 'REPORT');
      if (build.code !== 0 || !report)
        return { status: 'failed', detail: `the ${instance} build failed (exit ${build.code})` };
      state.processes.pids.add(report.pid);
      reports.set(instance, report);
    }

    say();
    say(bold('  what each instance was given (names only)'));
    const undeclared: string[] = [];
    for (const [instance, report] of reports) {
      const extra = undeclaredVariables(expect, instance, report);
      undeclared.push(...extra.map((name) => `${instance}: ${name}`));
      const env = report.env.filter(
        (n) => !['PATH', 'HOME'].includes(n) && !n.endsWith('_FILE') && n !== 'ENVPLANE_SECRETS_DIR',
      );
      say(`  ${instance.padEnd(13)} env: ${env.join(' ') || '(none)'}`);
      say(`  ${''.padEnd(13)} secret files: ${report.secretFiles.join(' ') || '(none)'}`);
    }
    const cells = judge(expect, reports);
    printTable(expect.labels, [...reports.keys()], cells);
    printAttempts(cells);
    state.summary.instances = Object.fromEntries(
      [...reports].map(([id, r]) => [id, { pid: r.pid, env: r.env, secretFiles: r.secretFiles, fileVars: r.fileVars }]),
    );
    state.summary.table = cells;

    const bad = cells.filter((c) => c.verdict === 'LEAK' || c.verdict === 'MISSING');
    if (bad.length > 0 || undeclared.length > 0)
      return {
        status: 'failed',
        detail: [
          ...bad.map((c) => `${c.verdict}: ${c.instance} ${c.secret} (${c.detail})`),
          ...undeclared.map((u) => `undeclared variable ${u}`),
        ].join('; '),
      };

    const scan = await scanBundle(state.available.scan === true, shell);
    state.summary.scan = scan;
    if (scan.status === 'failed') return scan;
    const blocked = cells.filter((c) => c.verdict === 'blocked').length;
    const granted = cells.filter((c) => c.verdict === 'granted').length;
    return {
      status: 'ok',
      detail: `${verify.detail}; ${reports.size} instances: ${granted} grants as files, ${blocked} cross-tenant probes blocked, no leak; ${scan.detail}`,
    };
  },
};

async function verifyLive(
  available: boolean,
  environment: string,
  shell: Parameters<Step['run']>[1],
): Promise<Outcome> {
  if (!available) return { status: 'unavailable', detail: '`envplane verify` not available yet' };
  const r = await envplane(shell, ['verify', '--env', environment, '--live'], { lines: 20, tail: 1 });
  if (r.code !== 0) return { status: 'failed', detail: `envplane verify --live failed (exit ${r.code})` };
  return { status: 'ok', detail: 'envplane verify --live: isolation proven' };
}

async function scanBundle(available: boolean, shell: Parameters<Step['run']>[1]): Promise<Outcome> {
  if (!available)
    return { status: 'unavailable', detail: '`envplane scan` not available yet: the bundle was not scanned' };
  const r = await envplane(shell, ['scan', '--build-dirs', 'dist'], { lines: 16 });
  if (r.code !== 0) return { status: 'failed', detail: `envplane scan found secret values (exit ${r.code})` };
  return { status: 'ok', detail: 'envplane scan: no secret in the frontend bundle' };
}

const MARK: Record<Cell['verdict'], string> = {
  granted: '✔ granted',
  'not given': '·',
  blocked: '✘ blocked',
  LEAK: 'LEAK',
  MISSING: 'MISSING',
};

function printTable(labels: string[], instances: string[], cells: Cell[]): void {
  const width = Math.max(...instances.map((i) => i.length), 10) + 2;
  const first = Math.max(...labels.map((l) => l.length)) + 2;
  say();
  say(bold(`  ${'secret'.padEnd(first)}${instances.map((i) => i.padEnd(width)).join('')}`));
  for (const label of labels) {
    const row = instances.map((instance) => {
      const cell = cells.find((c) => c.instance === instance && c.secret === label);
      const text = (cell ? MARK[cell.verdict] : '?').padEnd(width);
      if (!cell || cell.verdict === 'not given') return dim(text);
      return cell.verdict === 'granted' ? green(text) : cell.verdict === 'blocked' ? yellow(text) : red(text);
    });
    say(`  ${label.padEnd(first)}${row.join('')}`);
  }
  say(dim('  ✔ granted: its secrets dir holds it · not given: in nothing the instance got'));
  say(dim('  ✘ blocked: another tenant’s secret the worker tried to open through its secrets dir, and could not'));
}

function printAttempts(cells: Cell[]): void {
  const byInstance = new Map<string, Cell[]>();
  for (const cell of cells.filter((c) => c.verdict === 'blocked'))
    byInstance.set(cell.instance, [...(byInstance.get(cell.instance) ?? []), cell]);
  for (const [instance, blocked] of byInstance) {
    const results = [...new Set(blocked.map((c) => c.detail.split(' → ')[1] ?? c.detail))].join(', ');
    say(
      `  ${instance}: tried ${blocked.map((c) => c.secret).join(', ')} → ${results}; no env value or file matched them`,
    );
  }
  const direct = cells.filter((c) => c.verdict === 'blocked' && c.direct === 'read it').length;
  if (direct > 0)
    say(
      dim(
        `  (reading the store path itself, which run never gave them, worked ${direct} time(s): on this machine the\n` +
          '  store belongs to the same user, so the boundary is what `envplane run` hands over; in Compose each\n' +
          '  container mounts only its own secrets and the path does not exist, see step 4)',
      ),
    );
}
