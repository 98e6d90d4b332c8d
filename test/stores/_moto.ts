/**
 * A real AWS Secrets Manager emulator for tests: moto's server (the machine image's Python ships moto 5.2), started
 * on 127.0.0.1 with port 0; the port is read from its "Running on" line, so nothing guesses or waits on a clock.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export interface Moto {
  endpoint: string;
  /** The environment that points the SDK (and boto3, and awscli) at this server with dummy credentials. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export function requireMoto(): void {
  const r = spawnSync('moto_server', ['--help'], { encoding: 'utf8' });
  assert.equal(
    r.status,
    0,
    "moto_server is missing: install moto 5 with its server extra (pip install 'moto[server]') in the Python on PATH",
  );
}

export async function startMoto(): Promise<Moto> {
  requireMoto();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (c: Buffer) => {
      seen += c.toString();
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`moto_server exited (${code}) before serving: ${seen}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
