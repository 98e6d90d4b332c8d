/**
 * What a step of the demo is, and what it reports: ok, failed (the demo stops), skipped (a tool such as
 * docker-compose or PostgreSQL is not installed) or unavailable (the envplane command has not landed in this build
 * yet). Nothing is imitated.
 */
import type { Processes } from './processes.ts';
import type { Shell } from './transcript.ts';

export type StepStatus = 'ok' | 'failed' | 'skipped' | 'unavailable';

export interface Outcome {
  status: StepStatus;
  detail: string;
}

export interface DemoState {
  project: string;
  cli: string;
  environment: string;
  processes: Processes;
  /** Folders removed at the end, however the demo ends. */
  temporary: string[];
  available: Record<string, boolean>;
  summary: {
    steps: { id: string; status: StepStatus; detail: string; ms: number }[];
    instances: Record<string, unknown>;
    table: unknown[];
    migration?: unknown;
    compose?: unknown;
    scan?: unknown;
  };
}

export interface Step {
  number: number;
  id: string;
  title: string;
  run(state: DemoState, shell: Shell): Promise<Outcome>;
}

export const unavailable = (...commands: string[]): Outcome => ({
  status: 'unavailable',
  detail: `\`envplane ${commands.join('`, `envplane ')}\` not available yet in this build; step not run`,
});
