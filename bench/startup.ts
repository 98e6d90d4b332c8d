/** CLI start-up: `envplane env` on an example against bare `node -e 0`, the floor of any Node CLI. */
import { join } from 'node:path';
import { timeCommands, type Row } from './_measure.ts';

export async function benchStartup(repo: string, runs = 20): Promise<Row[]> {
  const cli = join(repo, 'dist', 'cli.cjs');
  const cwd = join(repo, 'examples', 'four-planes');
  const [node, env] = timeCommands(
    [
      { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      {
        name: 'envplane env',
        argv: [process.execPath, cli, 'env', '--env', 'development', '--service', 'backend'],
        cwd,
      },
    ],
    runs,
  );
  return [
    {
      benchmark: 'CLI start-up: `envplane env --env development --service backend`',
      ours: env!,
      peers: [node!],
      notes: ['target ≤ 1.3× node -e 0'],
    },
  ];
}
