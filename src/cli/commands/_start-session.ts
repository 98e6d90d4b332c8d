/**
 * One `envplane start`: the project's instances running under their own bundles, as `run` hands one over (config as
 * variables, secrets as files in a private folder, the stores' credentials left out), supervised together. It can
 * replace one service's instances one at a time (a rolling restart: each new instance gets the bundle as it is now,
 * is started on the old one's port and must be ready before the next one is replaced) and stop them all. Every
 * secrets folder is removed as soon as its process is gone.
 */
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { appendAudit } from '../../audit/log.ts';
import { EnvplaneError } from '../../errors.ts';
import type { Environment } from '../../manifest/types.ts';
import { loadProject } from '../../project/load.ts';
import type { Project } from '../../project/_root.ts';
import { StreamRedactor } from '../../redact/redactor.ts';
import { resolveBundle } from '../../resolve/bundle.ts';
import { findEnvironment } from '../../resolve/instances.ts';
import {
  fixedPort,
  launchOf,
  restartableService,
  type StartLaunch,
  type StartTarget,
  selectStartTargets,
  usesPort,
} from '../../resolve/start.ts';
import { createSecretsDir, removeOrphans, type SecretsDir, secretsBase } from '../../io/secrets-dir.ts';
import type { ControlMessage } from '../../io/control.ts';
import { type Supervised, Supervisor, type SupervisorEvent } from '../../io/supervisor.ts';
import { auditName, baseEnv, declaredNames, readBundleSecrets, SECRETS_DIR_VAR } from './_deliver.ts';

export interface SessionOptions {
  dir?: string;
  environment: string;
  pristine: boolean;
  readyTimeoutMs: number;
  graceMs: number;
  /** envplane's own status: each supervisor event, and the rolling restart's steps. */
  report: (event: SessionEvent) => void;
  /** One prefixed output line of an instance. */
  line: (text: string) => void;
}

export type SessionEvent =
  | SupervisorEvent
  | { event: 'launching'; instance: string; port?: number; argv: string[] }
  | { event: 'all-ready'; instances: number }
  | { event: 'restarting'; instance: string }
  | { event: 'restarted'; instance: string; pid: number; port?: number }
  | { event: 'restart-failed'; instance: string; reason: string };

interface Live {
  target: StartTarget;
  launch: StartLaunch;
  process: Supervised;
  dir: SecretsDir | undefined;
}

/** An instance ready to spawn: its bundle's values read, nothing started yet. */
interface Prepared {
  target: StartTarget;
  launch: StartLaunch;
  env: Record<string, string>;
  values: { name: string; value: string; audit: string; fileEnv: string }[];
}

export class StartSession {
  readonly #options: SessionOptions;
  #project: Project;
  #environment: Environment;
  readonly #live = new Map<string, Live>();
  readonly #dirs = new Set<SecretsDir>();
  readonly #secrets: { name: string; value: string }[] = [];
  #supervisor: Supervisor | undefined;
  #restarts: Promise<unknown> = Promise.resolve();
  #restarting = 0;
  #stopping = false;
  #finished: (status: number) => void = () => {};
  #firstFailure = 0;
  /** Resolves with the exit status once every instance has exited on its own (not during a restart). */
  readonly finished: Promise<number>;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#project = this.#load();
    this.#environment = findEnvironment(this.#project.manifest, options.environment);
    this.finished = new Promise((resolve) => {
      this.#finished = resolve;
    });
  }

  get root(): string {
    return this.#project.root;
  }

  get environmentName(): string {
    return this.#environment.name;
  }

  #load(): Project {
    return loadProject({
      ...(this.#options.dir ? { dir: this.#options.dir } : {}),
      environment: this.#options.environment,
    });
  }

  /** Removes every secrets folder still there; synchronous, for the 'exit' listener of a crash. */
  removeAllDirs(): void {
    for (const dir of this.#dirs) dir.remove();
    this.#dirs.clear();
  }

  /**
   * Starts the named instances (none: all). Every bundle is read and every port checked before the first process
   * starts, so a missing secret or a taken port starts nothing.
   */
  async start(names: readonly string[]): Promise<void> {
    const targets = selectStartTargets(this.#project.manifest, names);
    this.#supervisor = new Supervisor({
      line: this.#options.line,
      event: (e) => this.#onEvent(e),
      readyTimeoutMs: this.#options.readyTimeoutMs,
      graceMs: this.#options.graceMs,
      prefixWidth: Math.max(...targets.map((t) => t.instance.id.length)),
    });
    const ports = new Set<number>();
    const prepared: Prepared[] = [];
    for (const target of targets) {
      const port = usesPort(target) ? await portFor(target, ports) : undefined;
      if (port !== undefined) ports.add(port);
      prepared.push(await this.#prepare(target, port));
    }
    if (this.#stopping) return;
    for (const p of prepared) this.#spawn(p);
    removeOrphans(secretsBase());
    const outcomes = await Promise.all([...this.#live.values()].map((l) => l.process.ready));
    if (outcomes.every((o) => o === 'ready')) this.#options.report({ event: 'all-ready', instances: outcomes.length });
  }

  async #prepare(target: StartTarget, port: number | undefined): Promise<Prepared> {
    const { manifest, layers, root } = this.#project;
    const launch = launchOf(target, this.#environment.name, port);
    const cwd = join(root, launch.cwd);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory())
      throw new EnvplaneError('input', `the folder of ${target.instance.id} does not exist: ${launch.cwd}`, {
        hint: `fix \`cwd:\` of services.${target.instance.service} in envplane.yaml`,
      });
    const bundle = resolveBundle(manifest, layers, this.#environment, target.instance);
    const context = { project: this.#project, environment: this.#environment, instance: target.instance };
    const values = (await readBundleSecrets(context, bundle, 'envplane start')).map((v) => ({
      name: v.ref.name,
      value: v.value,
      audit: auditName(v.ref),
      fileEnv: v.ref.fileEnv,
    }));
    const env = baseEnv(this.#options.pristine, secretsBase(), declaredNames(bundle));
    for (const c of bundle.config) if (c.value !== undefined) env[c.key] = c.value;
    // File paths are filled in at spawn, once the folder exists.
    return { target, launch, env, values };
  }

  #spawn(p: Prepared): Live {
    const supervisor = this.#supervisor!;
    let dir: SecretsDir | undefined;
    const env = { ...p.env };
    if (p.values.length > 0) {
      dir = createSecretsDir(secretsBase());
      this.#dirs.add(dir);
      for (const v of p.values) env[v.fileEnv] = dir.write(v.name, v.value);
      env[SECRETS_DIR_VAR] = dir.path;
    }
    for (const v of p.values) if (!this.#secrets.some((s) => s.value === v.value)) this.#secrets.push(v);
    const secrets = [...this.#secrets];
    const { launch } = p;
    this.#options.report({
      event: 'launching',
      instance: launch.instance.id,
      ...(launch.port !== undefined ? { port: launch.port } : {}),
      argv: launch.argv,
    });
    const [command, ...args] = launch.argv;
    const process = supervisor.start({
      id: launch.instance.id,
      command,
      args,
      env,
      cwd: join(this.#project.root, launch.cwd),
      ready:
        launch.ready.kind === 'command'
          ? { kind: 'command', command: launch.ready.argv[0], args: launch.ready.argv.slice(1) }
          : launch.ready,
      ...(secrets.length > 0 ? { redactLine: lineRedactor(secrets) } : {}),
    });
    const live: Live = { target: p.target, launch, process, dir };
    this.#live.set(launch.instance.id, live);
    process.exited.then((status) => {
      dir?.remove();
      if (dir) this.#dirs.delete(dir);
      if (this.#live.get(launch.instance.id) === live) this.#live.delete(launch.instance.id);
      if (!process.stopping && status !== 0 && this.#firstFailure === 0) this.#firstFailure = status;
      this.#settle();
    });
    if (p.values.length > 0)
      try {
        appendAudit(this.#project.root, {
          command: 'start',
          action: 'deliver',
          environment: this.#environment.name,
          instance: launch.instance.id,
          secrets: p.values.map((v) => v.audit),
        });
      } catch (error) {
        // Fail closed, as `run` does: no instance runs with secrets that were not audited.
        supervisor.stop(process, 'SIGKILL');
        throw new EnvplaneError('failure', `the audit line for ${launch.instance.id} could not be written`, {
          hint: `check that .envplane/ is writable and not locked by another envplane (${error instanceof EnvplaneError ? error.message : ((error as NodeJS.ErrnoException).code ?? 'error')})`,
        });
      }
    return live;
  }

  #onEvent(event: SupervisorEvent): void {
    this.#options.report(event);
  }

  #settle(): void {
    if (this.#live.size === 0 && this.#restarting === 0) this.#finished(this.#firstFailure);
  }

  /**
   * Replaces the instances of `service` one at a time, each with its bundle read again from disk now (a rotated
   * value, a changed layer, a changed command) on the same port; the next one is replaced only once the new one is
   * ready. Nothing is stopped when the new bundles cannot be read. Restarts queue: one at a time.
   */
  restart(service: string, progress: (message: ControlMessage) => void = () => {}): Promise<ControlMessage> {
    const run = this.#restarts.then(() => this.#restartNow(service, progress));
    this.#restarts = run.catch(() => undefined);
    return run;
  }

  async #restartNow(service: string, progress: (message: ControlMessage) => void): Promise<ControlMessage> {
    if (this.#stopping) return { ok: false, error: 'envplane start is stopping' };
    this.#restarting++;
    try {
      const project = this.#load();
      restartableService(project.manifest, service);
      this.#project = project;
      this.#environment = findEnvironment(project.manifest, this.#options.environment);
      const old = [...this.#live.values()]
        .filter((l) => l.target.instance.service === service)
        .sort((a, b) => a.target.index - b.target.index);
      if (old.length === 0) return { ok: false, error: `no instance of ${service} is running` };
      // Every new bundle is read before the first instance stops: a missing secret leaves them all running.
      const fresh = new Map(selectStartTargets(project.manifest, [service]).map((t) => [t.instance.id, t]));
      const prepared = old.map((live) => {
        const target = fresh.get(live.target.instance.id);
        if (!target)
          throw new EnvplaneError('input', `${live.target.instance.id} is no longer in the manifest`, {
            hint: 'stop envplane start and start it again to drop an instance',
          });
        return { live, target };
      });
      const done: { instance: string; pid: number; port?: number }[] = [];
      for (const { live, target } of prepared) {
        if (this.#stopping) return { ok: false, error: 'envplane start is stopping', restarted: done };
        const id = target.instance.id;
        const p = await this.#prepare(target, live.launch.port);
        this.#options.report({ event: 'restarting', instance: id });
        progress({ event: 'restarting', instance: id });
        await this.#supervisor!.stop(live.process);
        if (live.launch.port !== undefined && !(await portFree(live.launch.port))) {
          const reason = `port ${live.launch.port} is still in use after the old instance exited`;
          this.#options.report({ event: 'restart-failed', instance: id, reason });
          return { ok: false, instance: id, error: reason, restarted: done };
        }
        const next = this.#spawn(p);
        const outcome = await next.process.ready;
        if (outcome !== 'ready') {
          const reason =
            outcome === 'exited'
              ? 'the new instance exited before it was ready'
              : 'the new instance did not become ready';
          this.#options.report({ event: 'restart-failed', instance: id, reason });
          return { ok: false, instance: id, error: reason, restarted: done };
        }
        const pid = next.process.child.pid ?? 0;
        const entry = { instance: id, pid, ...(next.launch.port !== undefined ? { port: next.launch.port } : {}) };
        done.push(entry);
        this.#options.report({ event: 'restarted', ...entry });
        progress({ event: 'restarted', ...entry });
      }
      return { ok: true, restarted: done };
    } finally {
      this.#restarting--;
      this.#settle();
    }
  }

  /** The started services, for SIGHUP's restart of everything. */
  services(): string[] {
    return [...new Set([...this.#live.values()].map((l) => l.target.instance.service))];
  }

  status(): ControlMessage {
    return {
      ok: true,
      environment: this.#environment.name,
      instances: [...this.#live.values()].map((l) => ({
        instance: l.target.instance.id,
        pid: l.process.child.pid ?? 0,
        ...(l.launch.port !== undefined ? { port: l.launch.port } : {}),
      })),
    };
  }

  /** Stops every instance (SIGTERM, SIGKILL after the grace period) and removes every secrets folder. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#supervisor?.stopAll();
    this.removeAllDirs();
  }

  signalAll(signal: NodeJS.Signals): void {
    this.#supervisor?.signalAll(signal);
  }
}

/**
 * Redacts one whole line at a time: the stream redactor fed the line and flushed at once. A value spanning lines
 * (a PEM key) cannot be matched within one line, so each of its lines long enough to be telling is a pattern too.
 */
function lineRedactor(secrets: readonly { name: string; value: string }[]): (line: string) => string {
  const patterns = secrets.flatMap(({ name, value }) => [
    { name, value },
    ...(value.includes('\n')
      ? value
          .split('\n')
          .map((l) => l.replace(/\r$/, ''))
          .filter((l) => l.trim().length >= 8)
          .map((l) => ({ name, value: l }))
      : []),
  ]);
  const redactor = new StreamRedactor(patterns);
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return (line) => {
    const head = redactor.push(encoder.encode(line));
    const tail = redactor.end();
    return decoder.decode(head) + decoder.decode(tail);
  };
}

/** The target's fixed port, which must be free, or a free one chosen now (distinct from those already handed out). */
async function portFor(target: StartTarget, taken: Set<number>): Promise<number> {
  const fixed = fixedPort(target);
  if (fixed !== undefined) {
    if (taken.has(fixed) || !(await portFree(fixed)))
      throw new EnvplaneError('input', `port ${fixed} of ${target.instance.id} is already in use`, {
        hint: `stop what listens there, or change \`port:\` of services.${target.instance.service} in envplane.yaml (or remove it to get a free port)`,
      });
    return fixed;
  }
  for (;;) {
    const port = await freePort();
    if (!taken.has(port)) return port;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
