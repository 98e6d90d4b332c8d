/**
 * Running one child process the way a supervisor should: never through a shell, with every catchable signal that
 * would end envplane forwarded (job control too), the child's exit status passed through (128 + signal number when a
 * signal killed it, as shells report it), and a child that must stop stopped for good (TERM, then KILL).
 *
 * Signals are trapped before anything private exists on disk (see `SignalRelay`), so a Ctrl-C that lands while the
 * secrets directory is being filled still ends in the caller's cleanup instead of Node's default "die now".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { type Readable, Transform } from 'node:stream';
import { EnvplaneError } from '../errors.ts';

/**
 * Every signal whose default action would end envplane while the child runs, and which a Node process can catch:
 * left to the default, envplane would die without removing the secrets directory (values on disk in /dev/shm),
 * orphan the child, and for the core-dumping ones (SIGQUIT, SIGABRT, SIGTRAP, SIGXCPU, SIGSYS) write a core file.
 * SIGUSR1 is Node's: unhandled, it opens the inspector on 127.0.0.1:9229, where any local user could connect and read
 * those values; with a listener it does not. Each one is passed on to the child, whose exit decides envplane's.
 *
 * Not here, on purpose: SIGKILL and SIGSTOP (nobody can catch them); SIGPIPE and SIGXFSZ (Node ignores both from the
 * start, so they never kill envplane; a listener removed again would reset them to the default, which does);
 * SIGSEGV, SIGBUS, SIGFPE and SIGILL (a real fault cannot return to JavaScript: with a listener the faulting
 * instruction runs again forever; Node's documentation says not to listen for them; envplane keeps no core of them,
 * see core.ts, and the next run's sweep removes the directory); SIGCHLD, SIGWINCH, SIGURG and SIGCONT's default
 * actions never stop a run (a terminal sends SIGWINCH to the child as well).
 */
export const FORWARDED_SIGNALS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGALRM',
  'SIGVTALRM',
  'SIGPROF',
  'SIGXCPU',
  'SIGABRT',
  'SIGTRAP',
  'SIGSYS',
  'SIGIO',
  'SIGPWR',
  'SIGSTKFLT',
] as const;
type Forwarded = (typeof FORWARDED_SIGNALS)[number];

/**
 * Job control: a stop sent to envplane alone (`kill -TSTP <pid>`) is passed to the child, then envplane stops itself
 * as the default action would; a SIGCONT is passed on too, so the child does not stay stopped behind a running
 * envplane. From a terminal both already reach the whole process group; receiving one twice changes nothing.
 */
export const JOB_CONTROL_SIGNALS = ['SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGCONT'] as const;
type JobControl = (typeof JOB_CONTROL_SIGNALS)[number];

/** How long a child that was told to stop (SIGTERM) may take before it and what it started are killed. */
export const STOP_GRACE_MS = 2000;

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
  /**
   * Called the moment the child has exited, before its output pipes are drained: a background grandchild may hold
   * them open for long after, and what the child was given (the secrets directory) must not outlive the child.
   */
  onExit?: () => void;
}

/**
 * Catches the forwarded signals from the moment it is made: before a child exists they are remembered (the caller then
 * skips starting it), afterwards each one is passed to the child. `release()` restores Node's defaults.
 */
export class SignalRelay {
  #child: ChildProcess | undefined;
  #received: Forwarded | undefined;
  readonly #handlers = new Map<Forwarded | JobControl, () => void>();

  constructor() {
    for (const signal of FORWARDED_SIGNALS) {
      // A name this platform does not have (SIGPWR, SIGSTKFLT off Linux) cannot be sent to it either.
      if (!(signal in constants.signals)) continue;
      const handler = () => {
        this.#received ??= signal;
        this.#pass(signal);
      };
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
    for (const signal of JOB_CONTROL_SIGNALS) {
      const handler = () => {
        this.#pass(signal);
        if (signal !== 'SIGCONT') process.kill(process.pid, 'SIGSTOP');
      };
      this.#handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  #pass(signal: NodeJS.Signals): void {
    // The child may be gone already (we are cleaning up); then there is nobody to pass it to.
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
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
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        env: spec.env,
        ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
        shell: false,
        stdio: spec.filter ? ['inherit', 'pipe', 'pipe'] : 'inherit',
      });
    } catch (error) {
      // Node throws (rather than emitting 'error') for E2BIG and other errors of execve itself.
      reject(spawnError(spec.command, error as NodeJS.ErrnoException));
      return;
    }
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
      spec.onExit?.();
      Promise.all(flushed).then(() => resolvePromise(exitStatus(code, signal)), reject);
    });
  });
}

/**
 * Stops a child that must not go on (its run could not be audited): SIGTERM, and if it is still there after
 * `graceMs`, SIGKILL to it and to every process it started that is still attached to it (a child that traps TERM,
 * or a shell whose own child holds the values, cannot outlast it). The child shares envplane's process group (so a
 * terminal's Ctrl-C and job control reach it), so the group is not signalled as a whole: that would stop envplane
 * and the rest of a shell pipeline too; its descendants are found through /proc.
 */
export function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const tree = [...descendantsOf(child.pid), child.pid];
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }, graceMs);
  child.once('exit', () => clearTimeout(timer));
}

/** Every live descendant of `pid`, children before their own children (Linux /proc; none elsewhere). */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    let children: number[] = [];
    try {
      const tasks = readdirSync(`/proc/${next}/task`);
      children = tasks.flatMap((task) =>
        readFileSync(`/proc/${next}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
      );
    } catch {
      // gone, or no /proc
    }
    for (const c of children)
      if (!found.includes(c)) {
        found.push(c);
        queue.push(c);
      }
  }
  return found;
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
  if (error.code === 'E2BIG')
    return new EnvplaneError('input', `cannot start ${command}: its arguments and environment are too large (E2BIG)`, {
      hint: 'the system limits the whole environment plus arguments (getconf ARG_MAX); deliver large values as files (--secrets=files), not variables',
    });
  return new EnvplaneError('failure', `cannot start ${command}: ${error.code ?? 'unknown error'}`, {
    hint: 'the system refused to start the process; check its limits (ulimit -a) and free memory',
  });
}
