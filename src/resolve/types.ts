/**
 * What one instance receives in one environment. Bundles hold config values (not secret) and references to
 * secrets; secret values are read from a store only at the edge that delivers them (run, export, push).
 */
import type { Plane, Position, SecretStore } from '../manifest/types.ts';

/** Stores envplane reads and writes itself beyond plain files (encrypted files, secret managers). */
export type ManagedStoreKind = Exclude<SecretStore['kind'], 'files' | 'external'>;

/** What actually runs: a service, or a service for one tenant. */
export interface Instance {
  service: string;
  tenant?: string;
  /** `etl@wex`, or `backend`. */
  id: string;
  /** `etl-wex`, or `backend`: a name that is valid for Compose services, Kubernetes objects and files. */
  slug: string;
}

/** Where a config value came from. */
export type Provenance =
  /** `shell`: the variables of the caller's environment (`process.env`) the value was interpolated with. */
  | { kind: 'layer'; file: string; line: number; shell?: string[] }
  | { kind: 'default'; file: string; position?: Position }
  | { kind: 'unset' };

export interface ConfigValue {
  key: string;
  plane: Extract<Plane, 'config' | 'public'>;
  /** Undefined when no layer sets it and there is no default. */
  value?: string;
  source: Provenance;
  /** Earlier layers that set the key and lost, lowest precedence first. */
  shadowed: { file: string; line: number; value: string }[];
}

/** Where a secret value is read from. */
export type SecretLocation =
  /** A file of a `files` store. */
  | { kind: 'file'; path: string }
  /** A Compose/Swarm secret created outside envplane. */
  | { kind: 'external'; name: string }
  /**
   * A value in a managed store, by the store's own address: a project-relative path for an encrypted-file store, a
   * path or name for a secret manager. Never a plain file: nothing may hand `ref` to a reader as if it held the value.
   */
  | { kind: 'store'; store: ManagedStoreKind; ref: string }
  /** A config layer that holds the secret in plain text (the second seed's layout; `check` flags it). */
  | { kind: 'layer'; file: string; line: number };

export interface SecretRef {
  /** The key's name, e.g. `postgres_password`. */
  name: string;
  tenant?: string;
  location: SecretLocation;
  /** Where the instance reads it: `/run/secrets/<name>` (the same name for every tenant). */
  target: string;
  /** The variable that holds `target`, e.g. `POSTGRES_PASSWORD_FILE`. */
  fileEnv: string;
  required: boolean;
}

export interface BuildSecretRef {
  /** BuildKit secret id, e.g. `pip_extra_index_url`. */
  id: string;
  location: SecretLocation;
  required: boolean;
}

export interface Bundle {
  environment: string;
  instance: Instance;
  /** Declared config and public keys, in the order the service declares them. */
  config: ConfigValue[];
  secrets: SecretRef[];
  build: BuildSecretRef[];
  /** The layer files this instance reads, lowest precedence first. */
  layers: string[];
}
