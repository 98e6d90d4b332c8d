/** The data `init --from-existing` works on: what was found on disk, and what was decided from it, with reasons. */
import type { DotenvEntry } from '../dotenv/index.ts';
import type { ManifestDraft } from '../manifest/write.ts';
import type { ComposeModel } from './compose-model.ts';

/** Everything read from an existing project. Secret files are known by name only: their values are never read. */
export interface ExistingProject {
  /** Project name (from the folder). */
  name: string;
  /** Each Compose file parsed on its own, in Compose's order. */
  composeFiles: { file: string; model: ComposeModel }[];
  /** Env files with values: `config/*.env`, `.env`, `.env.*`, `<folder>/.env` (not `.example`). */
  envFiles: { path: string; entries: DotenvEntry[] }[];
  /** `.example` templates of env files: key names only. */
  exampleFiles: { path: string; keys: string[] }[];
  /** Paths under `secrets/` (`secrets/x.txt`, `secrets/x.txt.example`, `secrets/wex/x.txt`). */
  secretFiles: string[];
}

/** One inference, shown to the user so it can be corrected. */
export interface Decision {
  /** What was decided about: a key, a service, an environment, a file. */
  subject: string;
  decision: string;
  reason: string;
  /** `file:line` of the evidence. */
  where?: string;
}

export interface Inference {
  draft: ManifestDraft;
  decisions: Decision[];
  warnings: string[];
  /** The Compose model of each environment that has Compose files, to compare grants with. */
  stacks: Map<string, ComposeModel>;
}
