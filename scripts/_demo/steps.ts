/** The demo's steps after the copy, in order. */
import { checkStep, migrateStep } from './check-steps.ts';
import { isolationStep } from './isolation-step.ts';
import { migrationStep } from './migration-step.ts';
import { renderStep } from './render-step.ts';
import type { Step } from './step.ts';

export type { DemoState, Outcome, Step, StepStatus } from './step.ts';

export const steps: Step[] = [checkStep, migrateStep, renderStep, isolationStep, migrationStep];
