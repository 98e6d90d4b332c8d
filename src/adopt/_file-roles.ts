/**
 * What a file's name says about it: `config/dev.env` is development's layer, `.env.etl.wex` is tenant `wex` of
 * service `etl`, `docker-compose.prod.yml` is production's Compose file. Pure naming rules, one place.
 */
import { isValidName } from '../manifest/names.ts';

/** Words people use for environments → the canonical name. */
const ENV_WORDS: Record<string, string> = {
  dev: 'development',
  develop: 'development',
  development: 'development',
  local: 'development',
  prod: 'production',
  production: 'production',
  live: 'production',
  stage: 'staging',
  staging: 'staging',
  test: 'test',
  testing: 'test',
  ci: 'test',
};

/** Names of layers that every environment or every service shares. */
const SHARED_WORDS = new Set(['common', 'shared', 'base', 'default', 'defaults', 'global']);

export function environmentOf(word: string): string | undefined {
  return ENV_WORDS[word.toLowerCase()];
}

export function isSharedWord(word: string): boolean {
  return SHARED_WORDS.has(word.toLowerCase());
}

export type EnvFileRole =
  /** Shared by every environment: `config/common.env`, `.env.shared`. */
  | { kind: 'shared' }
  /** One environment's layer: `config/dev.env`, `.env.production`. */
  | { kind: 'environment'; environment: string; word: string }
  /** One service's layer: `.env.backend`, `services/backend/.env`. */
  | { kind: 'service'; service: string }
  /** One tenant of a service: `.env.etl.wex`. */
  | { kind: 'tenant'; service: string; tenant: string }
  /** The root `.env`: Compose's interpolation file, or the only layer of a project without Compose. */
  | { kind: 'dotenv' }
  | { kind: 'unknown' };

/** The role of an env file from its path (relative to the root). */
export function envFileRole(path: string): EnvFileRole {
  const parts = path.split('/');
  const name = parts[parts.length - 1]!;
  if (parts.length === 1 && name === '.env') return { kind: 'dotenv' };
  if (name === '.env' && parts.length >= 2) return { kind: 'service', service: serviceName(parts[parts.length - 2]!) };
  if (parts[0] === 'config' && parts.length === 2 && name.endsWith('.env')) {
    const stem = name.slice(0, -'.env'.length);
    if (isSharedWord(stem)) return { kind: 'shared' };
    const environment = environmentOf(stem);
    return environment
      ? { kind: 'environment', environment, word: stem }
      : { kind: 'service', service: serviceName(stem) };
  }
  const dotted = /^\.env\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_-]+))?$/.exec(name);
  if (parts.length === 1 && dotted) {
    const [, first, second] = dotted;
    if (second === undefined) {
      if (isSharedWord(first!)) return { kind: 'shared' };
      const environment = environmentOf(first!);
      if (environment) return { kind: 'environment', environment, word: first! };
      return { kind: 'service', service: serviceName(first!) };
    }
    // A tenant becomes a name the manifest accepts only as it is: `{tenant}` in the layer must give this file back.
    if (!isValidName('tenant', second)) return { kind: 'unknown' };
    return { kind: 'tenant', service: serviceName(first!), tenant: second };
  }
  return { kind: 'unknown' };
}

/** A folder or file word as a service name: lower-case, `-service`/`_service` dropped (`etl-service` → `etl`). */
export function serviceName(word: string): string {
  const name = word
    .toLowerCase()
    .replace(/[-_]service$/, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name === '' ? 'app' : name;
}

/** `docker-compose.prod.yml` → `prod`; the base and override files → undefined. */
export function composeVariant(file: string): string | undefined {
  const middle = file.replace(/^(docker-)?compose/, '').replace(/\.ya?ml$/, '');
  if (middle === '' || middle === '.override') return undefined;
  return middle.replace(/^\./, '').replace(/\.override$/, '');
}
