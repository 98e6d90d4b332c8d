/**
 * Running one child process the way a supervisor should: never through a shell, with INT/TERM/HUP/QUIT/USR1/USR2
 * forwarded, and the child's exit status passed through (128 + signal number when a signal killed it, as shells
 * report it).
 *
 * Signals are trapped before anything private exists on disk (see `SignalRelay`), so a Ctrl-C that lands while the
 * secrets directory is being filled still ends in the caller's cleanup instead of Node's default "die now".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { type Readable, Transform } from 'node:stream';
import { EnvplaneError } from '../errors.ts';

/**
 * Every signal whose default action would end envplane while the child runs: left to the default, envplane would die
 * without removing the secrets directory (values on disk in /dev/shm), orphan the child, and for SIGQUIT (Ctrl-\)
 * write a core dump of a heap that holds the values. SIGUSR1 is Node's: unhandled, it opens the inspector on
 * 127.0.0.1:9229, where any local user could connect and read those values; with a listener it does not.
 */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
type Forwarded = (typeof FORWARDED_SIGNALS)[number];

/** A chunk filter (the redactor) applied to the child's stdout and stderr. */
export interface OutputFilter {
  push(chunk: Uint8Array): Uint8Array;
  end(): Uint8Array;
}

export interface ChildSpec {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  /** Folder to run in (default: envplane's own). */
  cwd?: string;
  /** One filter per stream; when absent the child inherits our stdout/stderr (a TTY stays a TTY). */
  filter?: () => OutputFilter;
  /** Called once the child exists, while it starts: work that must not delay its start (audit line, sweeps). */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Catches the forwarded signals from the moment it is made: before a child exists they are remembered (the caller then
 * skips starting it), afterwards each one is passed to the child. `release()` restores Node's defaults.
 */
export class SignalRelay {
  #child: ChildProcess | undefined;
  #received: Forwarded | undefined;
  readonly #handlers = new Map<Forwarded, () => void>();

  constructor() {
    for (const signal of FORWARDED_SIGNALS) {
      const handler = () => {
        this.#received ??= signal;
        // The child may be gone already (we are cleaning up); ignore the failure to signal it.
        if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
      };
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** The first signal envplane received, if any. */
  get received(): Forwarded | undefined {
    return this.#received;
  }

  attach(child: ChildProcess): void {
    this.#child = child;
  }

  release(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
    this.#handlers.clear();
  }
}

/** Exit status as a shell reports it: the code, or 128 + the number of the signal that killed the process. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return 128 + (number ?? 0);
}

/** Starts the child, waits until it has exited and its output is flushed, returns its exit status. */
export function runChild(spec: ChildSpec, relay: SignalRelay): Promise<number> {
  if (relay.received) return Promise.resolve(exitStatus(null, relay.received));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(spec.command, spec.args, {
      env: spec.env,
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      shell: false,
      stdio: spec.filter ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    });
    relay.attach(child);
    const onSpawn = spec.onSpawn;
    if (onSpawn) child.once('spawn', () => onSpawn(child));
    const flushed: Promise<void>[] = [];
    if (spec.filter && child.stdout && child.stderr) {
      flushed.push(relayOutput(child.stdout, process.stdout, spec.filter()));
      flushed.push(relayOutput(child.stderr, process.stderr, spec.filter()));
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(spawnError(spec.command, error));
    });
    child.once('exit', (code, signal) => {
      Promise.all(flushed).then(() => resolvePromise(exitStatus(code, signal)), reject);
    });
  });
}

function relayOutput(from: Readable, to: NodeJS.WritableStream, filter: OutputFilter): Promise<void> {
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, filter.push(chunk));
    },
    flush(done) {
      done(null, filter.end());
    },
  });
  return new Promise((resolvePromise) => {
    // Our reader went away (`envplane run --redact … | head`): stop relaying and close the child's end too, so the
    // child meets a closed pipe (EPIPE or ECONNRESET) as it would without envplane in between, and decides the exit
    // code. Unhandled, the write error ended envplane as an internal error.
    const readerGone = () => {
      transform.unpipe();
      from.unpipe(transform);
      from.destroy();
      resolvePromise();
    };
    to.once('error', readerGone);
    transform.once('end', () => {
      to.off('error', readerGone);
      resolvePromise();
    });
    from.pipe(transform).pipe(to, { end: false });
  });
}

function spawnError(command: string, error: NodeJS.ErrnoException): EnvplaneError {
  if (error.code === 'ENOENT')
    return new EnvplaneError('usage', `command not found: ${command}`, {
      hint: 'check the name and PATH (with --pristine, PATH is /usr/local/bin:/usr/bin:/bin)',
    });
  if (error.code === 'EACCES')
    return new EnvplaneError('usage', `cannot execute ${command}: permission denied`, {
      hint: 'make it executable (chmod +x) or run it through its interpreter',
    });
  return new EnvplaneError('failure', `cannot start ${command}: ${error.code ?? 'unknown error'}`);
}
