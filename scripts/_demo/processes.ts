/**
 * Every process the demo starts itself goes through here (PostgreSQL, `envplane start`, the one-shot `envplane run`s),
 * so that every one of them is stopped however the demo ends: normally, on a failed step, on Ctrl-C, or on an
 * uncaught error. The services are not the demo's to handle: `envplane start` runs, watches and stops them. Pids are recorded (the test checks /proc for them
 * afterwards), and each output line can be shown in the transcript with the process's name in front.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

export interface StartOptions {
  cwd: string;
  env: Record<string, string>;
  /** Run as this user (the demo runs PostgreSQL as an unprivileged user when it is root). */
  uid?: number;
  gid?: number;
  /** Text written to the child's stdin, which is then closed. */
  input?: string;
  /** The signal that asks this process to stop (default SIGTERM; PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
  /** Show each output line in the transcript with this prefix (default: keep it quiet). */
  echo?: (line: string) => void;
}

export interface Started {
  name: string;
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (128 + n when a signal ended it). */
  exited: Promise<number>;
  stopSignal: NodeJS.Signals;
}

export class Processes {
  readonly #running = new Set<Started>();
  /** Every pid the demo started or was told about (service pids behind `envplane run`, the postmaster). */
  readonly pids = new Set<number>();

  start(name: string, command: string, args: string[], options: StartOptions): Started {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    const started: Started = {
      name,
      child,
      stdout: '',
      stderr: '',
      exited: Promise.resolve(0),
      stopSignal: options.stopSignal ?? 'SIGTERM',
    };
    if (child.pid !== undefined) this.pids.add(child.pid);
    this.#running.add(started);
    const lines = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        started[stream] += chunk;
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) options.echo?.(line);
      });
    };
    lines('stdout');
    lines('stderr');
    started.exited = new Promise((resolve) => {
      child.once('error', () => resolve(127));
      child.once('close', (code, signal) => {
        this.#running.delete(started);
        resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
      });
    });
    child.stdin?.on('error', () => {}); // a child that exits before reading its input is not our failure
    child.stdin?.end(options.input ?? '');
    return started;
  }

  /** Resolves with the first match of `pattern` in the output; rejects if the process exits or time runs out. */
  waitFor(started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = (started.stdout + started.stderr).match(pattern);
        if (match) finish(() => resolve(match));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${started.name}: no ${pattern} after ${timeoutMs} ms`))),
        timeoutMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        started.child.stdout?.off('data', check);
        started.child.stderr?.off('data', check);
        then();
      };
      started.child.stdout?.on('data', check);
      started.child.stderr?.on('data', check);
      started.exited.then((code) => {
        check();
        finish(() => reject(new Error(`${started.name} exited (${code}) before printing ${pattern}`)));
      });
      check();
    });
  }

  /** Asks politely (`signal`), then SIGKILLs after `graceMs`; resolves when the process is gone. */
  async stop(started: Started, signal: NodeJS.Signals = started.stopSignal, graceMs = 5000): Promise<number> {
    if (!this.#running.has(started)) return started.exited;
    started.child.kill(signal);
    const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs);
    try {
      return await started.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops everything still running, newest first (a service before the database it talks to). */
  async stopAll(): Promise<void> {
    for (const started of [...this.#running].reverse()) await this.stop(started);
  }

  /** Last resort on process exit: synchronous, so it can run in an 'exit' handler. */
  killAllNow(): void {
    for (const started of this.#running) started.child.kill('SIGKILL');
    for (const pid of this.pids) if (isAlive(pid)) tryKill(pid);
  }
}

export function isAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}
