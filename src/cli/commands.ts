/**
 * Every command, loaded lazily: `envplane env` never parses the code of `render` or `scan`. One entry per command;
 * the description here is what `envplane --help` lists without loading the command.
 */
import type { CommandDef } from 'citty';

interface Entry {
  description: string;
  /** What follows the options on the `--help` USAGE line, when the command takes more than options. */
  usage?: string;
  // biome-ignore lint/suspicious/noExplicitAny: commands have different argument shapes
  load: () => Promise<CommandDef<any>>;
}

export const commands: Record<string, Entry> = {
  verify: {
    description: 'Prove isolation: static checks, and with --live a probe run as every instance',
    load: () => import('./commands/verify.ts').then((m) => m.default),
  },
  check: {
    description: 'Check the project against every rule (text, JSON or SARIF); exit 1 on errors',
    load: () => import('./commands/check.ts').then((m) => m.default),
  },
  env: {
    description: 'Print what one instance receives in an environment (secrets as paths, never values)',
    load: () => import('./commands/env.ts').then((m) => m.default),
  },
  explain: {
    description: 'Explain where a key’s value comes from, layer by layer',
    load: () => import('./commands/explain.ts').then((m) => m.default),
  },
  export: {
    description: 'Write one instance’s .env file: exactly its keys, secrets as file paths, mode 0600',
    load: () => import('./commands/export.ts').then((m) => m.default),
  },
  run: {
    description: 'Run a command with one instance’s config as env vars and its secrets as private files',
    usage: '-- <command> [args…]',
    load: () => import('./commands/run.ts').then((m) => m.default),
  },
  start: {
    description:
      'Run every instance’s command under its own bundle, together: prefixed redacted logs, readiness, restarts',
    load: () => import('./commands/start.ts').then((m) => m.default),
  },
  restart: {
    description: 'Rolling restart of one service’s instances in the running `envplane start` (waits until ready)',
    load: () => import('./commands/restart.ts').then((m) => m.default),
  },
  setup: {
    description: 'Create what is missing: secret files (generated or from .example), templates, .gitignore lines',
    load: () => import('./commands/setup.ts').then((m) => m.default),
  },
  rotate: {
    description: 'Replace a secret’s value atomically, keeping the previous one for one --rollback',
    load: () => import('./commands/rotate.ts').then((m) => m.default),
  },
  audit: {
    description: 'Show the audit trail of secret reads and writes, or verify its hash chain',
    load: () => import('./commands/audit.ts').then((m) => m.default),
  },
  scan: {
    description: 'Find known secret values (and secret-shaped strings) in files, staged changes, history or builds',
    load: () => import('./commands/scan.ts').then((m) => m.default),
  },
  hooks: {
    description: 'Install or remove the git pre-commit hook that runs `envplane scan --staged`',
    load: () => import('./commands/hooks.ts').then((m) => m.default),
  },
  render: {
    description: 'Render deployment wiring: compose, swarm, k8s, ecs, buildkit, ci github|gitlab',
    load: () => import('./commands/render.ts').then((m) => m.default),
  },
  compose: {
    description: 'Run your docker compose with your compose files plus envplane’s wiring: compose --env dev -- up',
    load: () => import('./commands/compose.ts').then((m) => m.default),
  },
  push: {
    description: 'Create an environment’s secrets in Docker Swarm (values on stdin only)',
    load: () => import('./commands/push.ts').then((m) => m.default),
  },
  init: {
    description: 'Create envplane.yaml: a new project, or --from-existing to describe the project as it is',
    load: () => import('./commands/init.ts').then((m) => m.default),
  },
  migrate: {
    description: 'Move secrets out of a legacy .env file or out of config layers into the secret store',
    load: () => import('./commands/migrate.ts').then((m) => m.default),
  },
};
