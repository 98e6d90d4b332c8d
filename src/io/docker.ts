/**
 * Running the `docker` CLI for `push`: never through a shell, and a secret value only ever on stdin — argv is
 * visible to every user in `ps` and /proc/<pid>/cmdline.
 */
import { spawnSync } from 'node:child_process';
import { EnvplaneError } from '../errors.ts';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `docker <args>` with `stdin` as its standard input; `args` must hold names only. */
export function runDocker(args: string[], stdin?: Uint8Array): DockerResult {
  const r = spawnSync('docker', args, {
    input: stdin ?? new Uint8Array(),
    shell: false,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code ?? 'error';
    throw new EnvplaneError('failure', `cannot run docker: ${code}`, {
      hint:
        code === 'ENOENT'
          ? 'install the Docker CLI, or put it on PATH'
          : 'check that the Docker CLI works: docker version',
    });
  }
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** `docker secret inspect NAME` succeeds: the secret exists in the swarm. */
export function swarmSecretExists(name: string): boolean {
  return runDocker(['secret', 'inspect', '--format', '{{.ID}}', name]).code === 0;
}

export function removeSwarmSecret(name: string): void {
  check(runDocker(['secret', 'rm', name]), `docker secret rm ${name}`);
}

/** `docker secret create NAME -`: the value goes through stdin, never argv. */
export function createSwarmSecret(name: string, value: string, labels: Record<string, string>): void {
  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  check(
    runDocker(['secret', 'create', ...labelArgs, name, '-'], Buffer.from(value, 'utf8')),
    `docker secret create ${name}`,
    value,
  );
}

function check(result: DockerResult, what: string, value?: string): void {
  if (result.code === 0) return;
  // Docker's own message names the secret, never the value (the value only went to its stdin). Whatever answers to
  // `docker` on PATH is not necessarily Docker, though: a wrapper or plugin that echoes its input would print it.
  const message = value === undefined ? result.stderr.trim() : masked(result.stderr, value).trim();
  throw new EnvplaneError('failure', `${what} failed (exit ${result.code}): ${message || 'no message'}`, {
    hint: 'check `docker info` (push needs a swarm manager: `docker swarm init`)',
  });
}

/** `text` with the value, and each line of a multi-line value (8 characters or more), replaced. */
function masked(text: string, value: string): string {
  const parts = [value, ...value.split(/\r?\n/).filter((line) => line.length >= 8)].sort((a, b) => b.length - a.length);
  let out = text;
  for (const part of parts) if (part !== '') out = out.split(part).join('[REDACTED]');
  return out;
}
