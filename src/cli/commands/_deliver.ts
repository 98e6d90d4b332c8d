/**
 * What `start` and `compose` take from `run` to hand an instance its bundle: the secret values read at the edge
 * (`run`'s own `readBundleSecrets`), and a base environment built the same way `run` builds it (inherited or
 * pristine, another run's secrets folder left out, every secret store's credentials left out unless the bundle
 * declares the variable).
 */
import type { Bundle } from '../../resolve/types.ts';
import { isStoreCredential } from '../../stores/index.ts';
import { PRISTINE_PATH, SECRETS_DIR_VAR } from './run.ts';

export { auditName, readBundleSecrets, SECRETS_DIR_VAR, type SecretValue } from './run.ts';

export function baseEnv(
  pristine: boolean,
  secretsBaseDir: string,
  declared: ReadonlySet<string> = new Set(),
): Record<string, string> {
  if (pristine) return { PATH: PRISTINE_PATH, HOME: process.env.HOME ?? '/' };
  const env: Record<string, string> = {};
  const outerDir = process.env[SECRETS_DIR_VAR];
  const base = `${secretsBaseDir}/envplane-run-`;
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === SECRETS_DIR_VAR) continue;
    if (value.startsWith(base) || (outerDir && value.startsWith(outerDir))) continue;
    if (isStoreCredential(name) && !declared.has(name)) continue;
    env[name] = value;
  }
  return env;
}

/** The variables an instance declares: its config keys, and its secrets' names. */
export function declaredNames(bundle: Bundle): Set<string> {
  return new Set([...bundle.config.map((c) => c.key), ...bundle.secrets.map((s) => s.name)]);
}
