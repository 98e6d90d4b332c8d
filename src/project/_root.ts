/** Finding a project and the shapes every loader returns; no parsing here, so fast paths can import it freely. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DotenvEntry, Lookup } from '../dotenv/index.ts';
import { EnvplaneError } from '../errors.ts';
import type { Manifest } from '../manifest/types.ts';

export const MANIFEST_FILE = 'envplane.yaml';

export interface Project {
  /** Absolute path of the folder that holds envplane.yaml. */
  root: string;
  manifest: Manifest;
  /** Parsed layer files by project-relative path; undefined when the file does not exist. */
  layers: Record<string, DotenvEntry[] | undefined>;
}

export interface LoadOptions {
  /** Where to start looking for envplane.yaml (default: the current directory, then its parents). */
  dir?: string;
  /** The environment Compose would interpolate `${VAR}` from (default: process.env). */
  lookup?: Lookup;
  /** Read only this environment's layers (name or alias); default: every environment's. */
  environment?: string;
  /**
   * With `environment`: read only the layers this one instance reads (what `run`, `env` and `explain` need), so
   * their cost does not grow with the number of services and tenants, and another service's missing layer does not
   * stop this one. Default: every instance's.
   */
  instance?: { service: string; tenant?: string | undefined };
  /** Fail on a missing layer file (default true). `check` passes false and reports it as a problem. */
  requireLayers?: boolean;
}

export function findProjectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, MANIFEST_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new EnvplaneError('usage', `no ${MANIFEST_FILE} in ${resolve(start)} or any parent folder`, {
        hint: 'run `envplane init` to create one, or pass --dir <project folder>',
      });
    dir = parent;
  }
}
