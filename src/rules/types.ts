/**
 * What `check` works on and what it finds. A rule is a small pure function over `CheckInput`, which is plain data
 * gathered by `src/project/facts.ts`: rules see secret digests, lengths and booleans, never a secret value.
 */
import type { ComposeModel } from '../adopt/compose-model.ts';
import type { Environment, Manifest } from '../manifest/types.ts';
import type { BuildSecretRef, Instance, Provenance, SecretRef } from '../resolve/types.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface ProblemLocation {
  file: string;
  line?: number;
  column?: number;
}

/** One finding of `check`. */
export interface Problem {
  rule: string;
  severity: Severity;
  title: string;
  message: string;
  hint: string;
  location?: ProblemLocation;
  /** Further places the same finding involves (the first definition of a duplicated key). */
  related?: ProblemLocation[];
  /** Instance id (`etl@wex`) when the finding is about one instance. */
  instance?: string;
  environment?: string;
  /** What a `silence:` entry can match on. */
  key?: string;
  service?: string;
}

/** What a rule returns: the runner adds rule id, severity and title from the rule's table entry. */
export type Finding = Omit<Problem, 'rule' | 'severity' | 'title' | 'hint'> & {
  hint?: string;
  /** Overrides the rule's severity for this finding (one rule, findings of two weights). */
  severity?: Severity;
};

/**
 * A rule; its id is a literal (`Rule<'layer-missing'>`), so that `RuleId` in index.ts is the union of every id and a
 * table keyed by it (docs, SARIF) cannot miss one.
 */
export interface Rule<Id extends string> {
  id: Id;
  severity: Severity;
  title: string;
  /** One sentence: why this matters (SARIF `fullDescription`, docs). */
  why: string;
  /** The default fix, used when a finding brings no hint of its own. */
  hint: string;
  run(input: CheckInput): Finding[];
}

/** Any rule, for code that runs or lists rules whatever their ids. */
export type AnyRule = Rule<string>;

/** One assignment in a layer file, described without its value. */
export interface LayerEntryFact {
  key: string;
  line: number;
  column: number;
  length: number;
  /** SHA-256 hex of the value, to compare with known secret digests. */
  digest: string;
  /** The value has the shape of a credential (known token prefix, URL with a password, long random string). */
  looksSecret: boolean;
  /** The value is a known placeholder or default (`changeme`, `password`, the project name, …). */
  placeholder: boolean;
}

/** A layer file: undefined entries when the file does not exist. */
export type LayerFacts = Readonly<Record<string, readonly LayerEntryFact[] | undefined>>;

/** One config value an instance receives, without the value. */
export interface ConfigFact {
  key: string;
  plane: 'config' | 'public';
  /** A value is set and not empty. */
  set: boolean;
  source: Provenance;
}

/** A bundle as rules see it: config values reduced to "set or not". */
export interface BundleFact {
  environment: string;
  instance: Instance;
  layers: string[];
  config: ConfigFact[];
  secrets: SecretRef[];
  build: BuildSecretRef[];
}

/** What facts know about one secret location (see `locationId`). */
export interface SecretFact {
  /** A file exists (files store) or the layer line exists (layer). Unknown (false) for external secrets. */
  exists: boolean;
  /** Characters of the value; 0 when missing or empty. */
  length: number;
  digest?: string;
  placeholder: boolean;
  /** The value equals its `.example` template. */
  equalsExample: boolean;
  /** length × log2(distinct characters): a generous upper bound of the randomness the value can carry. */
  estimatedBits: number;
  /** Files store: a `<file>.example` template exists. */
  hasExample?: boolean;
  /** Files store: permission bits. */
  mode?: number;
  /**
   * Files store: the file, or a folder above it up to the project folder, is owned by another account or writable
   * by one (`io/trust.ts`); `run`, `export` and `render` refuse it.
   */
  untrusted?: { path: string; reason: string };
  /** Git facts, when the project is inside a git work tree. */
  tracked?: boolean;
  ignored?: boolean;
  /** Days since the last rotation (rotation record, else the file's modification time; a manager's version date). */
  ageDays?: number;
  /** A secret manager answered for it (`check --stores`): `exists` is the manager's, no value was read. */
  remote?: boolean;
}

export interface DockerfileFact {
  path: string;
  /** The `# syntax=` directive, when the file has one. */
  syntax?: { line: number; image: string; version?: [number, number] };
  /** ENV and ARG instructions, values reduced to digests and shape. */
  variables: { line: number; kind: 'ENV' | 'ARG'; name: string; digest?: string; looksSecret: boolean }[];
  secretMounts: { line: number; id: string; env?: string }[];
}

/**
 * A backup `envplane migrate` keeps of a layer it rewrote (`<layer>.bak`, `.bak.2`, …): it holds the old plaintext
 * values until someone deletes it. Key names only.
 */
export interface LayerBackupFact {
  /** Project-relative path of the backup. */
  path: string;
  /** The declared layer it is the backup of (it sits beside it, named after it). */
  layer: string;
  /** The keys it assigns, without their values. */
  keys: string[];
}

/** A layer file's committed template (`.env.shared.example`), or one template the tenants' layers share; keys only. */
export interface LayerTemplateFact {
  path: string;
  /** The layers it is the template of. */
  layers: string[];
  keys: { key: string; line: number }[];
}

export interface CheckInput {
  manifest: Manifest;
  /** The environments and instances in scope (`--env`, `--service`). */
  environments: Environment[];
  instances: Instance[];
  bundles: BundleFact[];
  /**
   * The in-scope instances in every environment (`bundles` first, then the environments `--env` left out): what the
   * rules that compare values across environments need. Only those rules read it; `secrets` covers them all.
   */
  peers: BundleFact[];
  layers: LayerFacts;
  /** Templates of the in-scope layers that exist, sorted by path. */
  layerTemplates: LayerTemplateFact[];
  /** By `locationId`. */
  secrets: Readonly<Record<string, SecretFact>>;
  /** Secret store directories (and tenant subfolders) that exist, with their permission bits. */
  secretDirs: { path: string; mode: number }[];
  /** `*.example` files inside files-store directories, project-relative. */
  templates: string[];
  dockerfiles: DockerfileFact[];
  /** The project's own Compose files, one model per file. */
  compose: ComposeModel[];
  /** Env files those compose files list that are not layers (layers are in `layers`), keys only. */
  envFiles: LayerFacts;
  /** Backups of declared layers that exist (whatever their layer's state), sorted by path. */
  layerBackups: LayerBackupFact[];
}
