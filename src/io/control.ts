/**
 * The control socket of a running `envplane start`: how another process (`envplane restart`, the rotation saga)
 * asks it for a rolling restart and waits until it is done. One socket per project and environment, in a folder
 * only the current user can enter (`$XDG_RUNTIME_DIR/envplane`, else `<tmp>/envplane-<uid>`), so the socket's
 * permissions are never the only guard. Requests and replies are JSON lines and carry names, pids and ports only.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { EnvplaneError } from '../errors.ts';

export type ControlRequest = { op: 'restart'; service: string } | { op: 'status' };
/** Progress lines (`event`) and one final line (`done: true`). */
export type ControlMessage = Record<string, unknown>;

export function controlDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  const uid = process.getuid?.() ?? 0;
  const dir = runtime && isAbsolute(runtime) ? join(runtime, 'envplane') : join(tmpdir(), `envplane-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0)
    throw new EnvplaneError('failure', `${dir} is not a private folder of the current user`, {
      hint: 'it must be a real folder (not a link) owned by you with mode 0700; remove it and try again',
    });
  return dir;
}

/** The socket of `envplane start` for one project folder and environment (canonical name). */
export function controlSocketPath(root: string, environment: string): string {
  const id = createHash('sha256').update(`${root}\0${environment}`).digest('hex').slice(0, 16);
  return join(controlDir(), `start-${id}.sock`);
}

/**
 * Listens on `path`. A socket there that still answers belongs to a running `envplane start`: refused. One that
 * does not is a leftover of a killed one: removed.
 */
export async function serveControl(
  path: string,
  handle: (request: ControlRequest, send: (message: ControlMessage) => void) => Promise<ControlMessage>,
): Promise<{ close(): void }> {
  if (await answers(path))
    throw new EnvplaneError('usage', 'envplane start is already running for this project and environment', {
      hint: 'stop it first (Ctrl-C), or restart one service in it with `envplane restart --env <env> <service>`',
    });
  removeStale(path);
  const server: Server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 65536) return socket.destroy();
      const at = buffer.indexOf('\n');
      if (at === -1) return;
      const line = buffer.slice(0, at);
      buffer = '';
      socket.removeAllListeners('data');
      const send = (message: ControlMessage) => {
        if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
      };
      let request: ControlRequest;
      try {
        request = parseRequest(line);
      } catch (error) {
        send({ done: true, ok: false, error: (error as Error).message });
        return socket.end();
      }
      handle(request, send).then(
        (final) => {
          send({ done: true, ...final });
          socket.end();
        },
        (error: unknown) => {
          send({ done: true, ok: false, error: error instanceof EnvplaneError ? error.message : 'internal error' });
          socket.end();
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    close() {
      server.close();
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

function parseRequest(line: string): ControlRequest {
  const data = JSON.parse(line) as { op?: unknown; service?: unknown };
  if (data.op === 'status') return { op: 'status' };
  if (data.op === 'restart' && typeof data.service === 'string') return { op: 'restart', service: data.service };
  throw new Error('unknown request');
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function removeStale(path: string): void {
  try {
    const stat = lstatSync(path);
    if (stat.isSocket() && stat.uid === process.getuid?.()) unlinkSync(path);
  } catch {
    // nothing there
  }
}

/**
 * Sends one request to the `envplane start` listening on `path` and resolves with its final message; each progress
 * message goes to `progress` on the way. No `envplane start` there: a clear error.
 */
export function requestControl(
  path: string,
  request: ControlRequest,
  progress: (message: ControlMessage) => void = () => {},
): Promise<ControlMessage> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection(path);
    let buffer = '';
    let final: ControlMessage | undefined;
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let at = buffer.indexOf('\n'); at !== -1; at = buffer.indexOf('\n')) {
        const message = JSON.parse(buffer.slice(0, at)) as ControlMessage;
        buffer = buffer.slice(at + 1);
        if (message.done === true) final = message;
        else progress(message);
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
        reject(
          new EnvplaneError('usage', 'no envplane start is running for this project and environment', {
            hint: 'start the services with `envplane start --env <env>` first',
          }),
        );
      else reject(new EnvplaneError('failure', `cannot reach envplane start: ${error.code ?? 'error'}`));
    });
    socket.once('close', () => {
      if (final) resolve(final);
      else reject(new EnvplaneError('failure', 'envplane start closed the connection without an answer'));
    });
  });
}
