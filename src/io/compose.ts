/**
 * Finding the user's Docker Compose: the v2 plugin (`docker compose`), else a `docker-compose` binary (Python v1, or
 * a standalone v2). Asked with `version --short`, never through a shell, with no value in sight.
 */
import { spawnSync } from 'node:child_process';
import { EnvplaneError } from '../errors.ts';
import { type ComposeVersion, parseComposeVersion } from '../targets/compose-run.ts';

/** How to get Compose v2, for the message when only v1 (or nothing) is there. */
export const GET_V2 =
  'install the Compose v2 plugin: `apt-get install docker-compose-plugin` from Docker’s apt repository (Ubuntu: `docker-compose-v2`), or see https://docs.docker.com/compose/install/linux/';

export interface Detected {
  compose: ComposeVersion;
  /** Said once on stderr: which Compose runs, and what is missing. */
  note: string;
}

export function detectCompose(env: Record<string, string>): Detected {
  const plugin = ask(['docker', 'compose', 'version', '--short'], env);
  if (plugin.ok) {
    const version = parseComposeVersion(plugin.out);
    if (version)
      return {
        compose: { kind: kindOf(version), version, argv: ['docker', 'compose'] },
        note: `docker compose ${version} (v2 plugin)`,
      };
  }
  const standalone = ask(['docker-compose', 'version', '--short'], env);
  if (standalone.ok) {
    const version = parseComposeVersion(standalone.out);
    if (version) {
      const kind = kindOf(version);
      const why = plugin.missing === 'docker' ? 'the docker CLI is not installed' : 'docker has no compose plugin';
      return {
        compose: { kind, version, argv: ['docker-compose'] },
        note:
          kind === 'v1'
            ? `docker-compose ${version} (v1; ${why}: ${GET_V2})`
            : `docker-compose ${version} (v2, standalone binary)`,
      };
    }
  }
  throw new EnvplaneError(
    'usage',
    'Docker Compose is not installed: neither `docker compose` (v2) nor `docker-compose` answers',
    {
      hint: `${GET_V2}; or Debian's v1: \`apt-get install docker-compose\``,
    },
  );
}

function kindOf(version: string): 'v1' | 'v2' {
  return version.replace(/^v/, '').startsWith('1.') ? 'v1' : 'v2';
}

function ask(argv: string[], env: Record<string, string>): { ok: boolean; out: string; missing?: string } {
  const [command, ...args] = argv as [string, ...string[]];
  const r = spawnSync(command, args, {
    env,
    shell: false,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) return { ok: false, out: '', missing: command };
  return { ok: r.status === 0, out: r.stdout };
}
