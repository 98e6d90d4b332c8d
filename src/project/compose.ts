/**
 * A project's own Compose files → plain data (what each service is granted). The reading edge of
 * `src/adopt/_compose-parse.ts`: finds the files, reads them strictly, merges them in the order given.
 */
import { join } from 'node:path';
import { mergeCompose, parseComposeText } from '../adopt/_compose-parse.ts';
import type { ComposeModel } from '../adopt/compose-model.ts';
import { EnvplaneError } from '../errors.ts';
import { readTextIfExists } from '../io/read.ts';
import { listDir } from '../io/list.ts';

export type {
  ComposeBuildSecret,
  ComposeEnvFile,
  ComposeModel,
  ComposeSecret,
  ComposeService,
  ComposeServiceSecret,
  ComposeVariable,
} from '../adopt/compose-model.ts';

/** `docker-compose.yml`, `compose.yaml`, `docker-compose.override.yml`, `docker-compose.prod.yml`, … */
const COMPOSE_FILE = /^(docker-)?compose(\.[A-Za-z0-9_-]+)*\.ya?ml$/;

/**
 * The Compose files in the project root, in the order Compose would apply them: the base files
 * (`compose.yaml` before `docker-compose.yml`), their `.override` files, then every other variant by name.
 */
export function findComposeFiles(root: string): string[] {
  return listDir(root)
    .filter((n) => COMPOSE_FILE.test(n))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function rank(name: string): number {
  const middle = name.replace(/^(docker-)?compose/, '').replace(/\.ya?ml$/, '');
  if (middle === '') return 0;
  if (middle === '.override') return 1;
  return 2;
}

/** Reads and merges `files` (relative to `root`) as `docker compose -f f1 -f f2 …` would. */
export function readComposeFiles(root: string, files: readonly string[]): ComposeModel {
  return mergeCompose(
    files.map((file) => {
      const text = readTextIfExists(join(root, file), file);
      if (text === undefined)
        throw new EnvplaneError('input', `compose file ${file} does not exist`, {
          location: { file },
          hint: 'name an existing file, or run without it',
        });
      return parseComposeText(text, file);
    }),
  );
}
