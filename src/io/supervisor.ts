/**
 * Many child processes at once, the way `envplane start` runs a project's instances: never through a shell, each
 * one's stdout and stderr merged into one line-prefixed stream (`etl@wex | …`) after its own output filter (the
 * redactor), a readiness check per process (its port accepts a connection, or a command exits 0), and every exit
 * reported. What a process is, where its secrets live and when to restart it is the caller's business; this file
 * only starts, watches and stops.
 *
 * Readiness is observed, never assumed after a pause: a port is tried until it accepts (retrying with a short
 * back-off), a command is run until it exits 0, and either stops as soon as the process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { exitStatus } from './child.ts';

export type Readiness =
  | { kind: 'port'; port: number }
  | { kind: 'none' }
  | { kind: 'command'; command: string; args: readonly string[] };

export interface SupervisedSpec {
  id: string;
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  ready: Readiness;
  /** Applied to each whole line before it is prefixed (the redactor); a line is never held back for it. */
  redactLine?: (line: string) => string;
}

export type ReadyOutcome = 'ready' | 'exited' | 'timeout';

export interface Supervised {
  id: string;
  spec: SupervisedSpec;
  child: ChildProcess;
  /** Resolves with the exit status (128 + n for a signal; 127 when the program could not be started). */
  exited: Promise<number>;
  /** Resolves once the readiness check passed, the process exited first, or the check timed out. */
  ready: Promise<ReadyOutcome>;
  /** Set when envplane asked it to stop, so its exit is expected. */
  stopping: boolean;
}

export type SupervisorEvent =
  | { event: 'started'; instance: string; pid: number }
  | { event: 'ready'; instance: string; pid: number }
  | { event: 'not-ready'; instance: string; pid: number; reason: string }
  | { event: 'exited'; instance: string; pid: number; status: number; expected: boolean }
  | { event: 'failed'; instance: string; reason: string };

export interface SupervisorOptions {
  /** Called with each prefixed output line (without its newline). */
  line: (text: string) => void;
  event: (event: SupervisorEvent) => void;
  readyTimeoutMs: number;
  /** After a stop signal, how long before SIGKILL. */
  graceMs: number;
  /** Width the prefixes are padded to, so the ` | ` columns line up. */
  prefixWidth: number;
}

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #running = new Set<Supervised>();
  /** Set by stopAll: a process started after it (a rolling restart still under way) is stopped at once. */
  #closing = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  get running(): readonly Supervised[] {
    return [...this.#running];
  }

  start(spec: SupervisedSpec): Supervised {
    const child = spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = `${spec.id.padEnd(this.#options.prefixWidth)} | `;
    const flushed = [child.stdout, child.stderr].map((stream) =>
      stream ? relayLines(stream, prefix, spec.redactLine, this.#options.line) : Promise.resolve(),
    );
    let failed: string | undefined;
    const supervised: Supervised = {
      id: spec.id,
      spec,
      child,
      exited: new Promise((resolve) => {
        child.once('error', (error: NodeJS.ErrnoException) => {
          failed =
            error.code === 'ENOENT'
              ? `command not found: ${spec.command}`
              : `cannot start ${spec.command}: ${error.code ?? 'error'}`;
          // 'close' still follows for a child that never started only on some Node versions: settle here too.
          if (child.pid === undefined) Promise.all(flushed).then(() => resolve(127));
        });
        child.once('close', (code, signal) =>
          resolve(failed !== undefined && child.pid === undefined ? 127 : exitStatus(code, signal)),
        );
      }),
      ready: Promise.resolve<ReadyOutcome>('exited'),
      stopping: false,
    };
    this.#running.add(supervised);
    child.once('spawn', () => this.#options.event({ event: 'started', instance: spec.id, pid: child.pid ?? 0 }));
    supervised.exited = supervised.exited.then(async (status) => {
      await Promise.all(flushed);
      this.#running.delete(supervised);
      if (failed !== undefined && child.pid === undefined)
        this.#options.event({ event: 'failed', instance: spec.id, reason: failed });
      else
        this.#options.event({
          event: 'exited',
          instance: spec.id,
          pid: child.pid ?? 0,
          status,
          expected: supervised.stopping,
        });
      return status;
    });
    supervised.ready = this.#watchReady(supervised);
    if (this.#closing) void this.stop(supervised);
    return supervised;
  }

  async #watchReady(s: Supervised): Promise<ReadyOutcome> {
    let gone = false;
    s.exited.then(() => {
      gone = true;
    });
    const spawned = await new Promise<boolean>((resolve) => {
      s.child.once('spawn', () => resolve(true));
      s.child.once('error', () => resolve(false));
    });
    if (!spawned) return 'exited';
    const { readyTimeoutMs } = this.#options;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
    }, readyTimeoutMs);
    const cancel = () => gone || timedOut;
    try {
      const ok = await check(s.spec, cancel, s.exited);
      const pid = s.child.pid ?? 0;
      if (ok) {
        this.#options.event({ event: 'ready', instance: s.id, pid });
        return 'ready';
      }
      if (gone) return 'exited';
      this.#options.event({
        event: 'not-ready',
        instance: s.id,
        pid,
        reason: `not ready after ${Math.round(readyTimeoutMs / 1000)} s`,
      });
      return 'timeout';
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asks one process to stop (SIGTERM unless told otherwise), SIGKILL after the grace period; its exit status. */
  async stop(s: Supervised, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    s.stopping = true;
    if (!this.#running.has(s)) return s.exited;
    signalChild(s.child, signal);
    const timer = setTimeout(() => signalChild(s.child, 'SIGKILL'), this.#options.graceMs);
    try {
      return await s.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops every process at once and waits for all of them. */
  async stopAll(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.#closing = true;
    // Until none is left: a restart that was between stopping an old process and starting its successor when the
    // signal came adds one more, and that one must not outlive envplane (start waited for it forever).
    while (this.#running.size > 0) await Promise.all(this.running.map((s) => this.stop(s, signal)));
  }

  /** Passes a signal on to every running process (SIGQUIT, SIGUSR1/2: theirs to handle, not envplane's). */
  signalAll(signal: NodeJS.Signals): void {
    for (const s of this.#running) signalChild(s.child, signal);
  }
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    // gone between the check and the kill
  }
}

/** Tries the readiness check until it passes or `cancelled()`; the back-off grows from 20 ms to 250 ms. */
async function check(spec: SupervisedSpec, cancelled: () => boolean, exited: Promise<number>): Promise<boolean> {
  const ready = spec.ready;
  if (ready.kind === 'none') return !cancelled();
  let pause = 20;
  for (;;) {
    if (cancelled()) return false;
    const ok = ready.kind === 'port' ? await portOpen(ready.port) : await commandSucceeds(spec, ready);
    if (ok && !cancelled()) return true;
    if (cancelled()) return false;
    // Wake early when the process exits: a crashed instance is reported at once, not after the pause.
    await Promise.race([new Promise((r) => setTimeout(r, pause)), exited]);
    pause = Math.min(pause * 2, 250);
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function commandSucceeds(spec: SupervisedSpec, ready: { command: string; args: readonly string[] }): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn(ready.command, ready.args, { env: spec.env, cwd: spec.cwd, shell: false, stdio: 'ignore' });
    probe.once('error', () => resolve(false));
    probe.once('close', (code) => resolve(code === 0));
  });
}

/** A line longer than this is passed on in pieces, so a program that never prints a newline is still seen. */
const MAX_LINE = 64 * 1024;

/**
 * Cuts a stream into lines and hands each one on, redacted and prefixed, as soon as it is complete (the last partial
 * line when the stream ends). Redacting whole lines, rather than the byte stream, means no line waits for the next
 * one; a multi-line secret is caught line by line (see the caller's redactor).
 */
function relayLines(
  stream: NodeJS.ReadableStream,
  prefix: string,
  redact: ((line: string) => string) | undefined,
  line: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let partial = '';
  const emit = (text: string) => line(`${prefix}${redact ? redact(text) : text}`);
  const take = (text: string, final: boolean) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) emit(part.replace(/\r$/, ''));
    while (partial.length > MAX_LINE) {
      emit(partial.slice(0, MAX_LINE));
      partial = partial.slice(MAX_LINE);
    }
    if (final && partial !== '') {
      emit(partial);
      partial = '';
    }
  };
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => take(decoder.decode(chunk, { stream: true }), false));
    stream.once('end', () => {
      take(decoder.decode(), true);
      resolve();
    });
    stream.once('error', () => resolve());
    // A child that never started has its pipes destroyed without an 'end'.
    stream.once('close', () => {
      take('', true);
      resolve();
    });
  });
}
