/**
 * What a project's own Compose files grant, as plain data: which env files, variables and secrets each service
 * receives, and where each came from (file and line). `init --from-existing` infers a manifest from it and `check`
 * compares it with the manifest.
 */

export interface ComposeEnvFile {
  /** Relative to the project root, normalized (`config/common.env`; `${VAR}` references kept raw). */
  path: string;
  /** Long syntax `required: false` makes a missing file fine (Compose ≥ 2.24). */
  required: boolean;
  /** `raw` when the long syntax says `format: raw` (values taken verbatim). */
  format?: string;
  file: string;
  line: number;
}

export interface ComposeVariable {
  key: string;
  /** The written value, `${VAR}` references kept raw; undefined for `KEY` alone (taken from the shell). */
  value?: string;
  file: string;
  line: number;
}

export interface ComposeServiceSecret {
  source: string;
  /** `/run/secrets/<source>` by default; a relative target goes under `/run/secrets/`. */
  target: string;
  file: string;
  line: number;
}

export interface ComposeBuildSecret {
  source: string;
  file: string;
  line: number;
}

export interface ComposeService {
  name: string;
  /** The file and line that first defined the service. */
  file: string;
  line: number;
  /** `image:` or `build:` is set: the service is complete on its own (not only an override). */
  complete: boolean;
  /** `build:` is set: the image is built here, so build secrets apply. */
  builds: boolean;
  envFiles: ComposeEnvFile[];
  environment: ComposeVariable[];
  secrets: ComposeServiceSecret[];
  buildSecrets: ComposeBuildSecret[];
}

export interface ComposeSecret {
  name: string;
  file: string;
  line: number;
  /** `file:` relative to the project root, normalized. */
  path?: string;
  external: boolean;
  /** `name:` (or the deprecated `external: {name}`): the name in the engine, e.g. `Reactrine_postgres_password`. */
  externalName?: string;
  /** `environment:`: the variable that holds the value (Compose ≥ 2.6). */
  environment?: string;
}

export interface ComposeModel {
  /** The files read, in merge order. */
  files: string[];
  services: Record<string, ComposeService>;
  secrets: Record<string, ComposeSecret>;
}
