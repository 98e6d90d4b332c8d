/**
 * What `start` and `compose` take from `run` to hand an instance its bundle: the secret values read at the edge
 * (`run`'s own `readBundleSecrets`), and a base environment built the same way `run` builds it (inherited or
 * pristine, another run's secrets folder left out, every secret store's credentials left out unless the bundle
 * declares the variable).
 */
import type { Bundle } from '../../resolve/types.ts';

export { auditName, baseEnv, readBundleSecrets, SECRETS_DIR_VAR, type SecretValue } from './run.ts';

/** The variables an instance declares: its config keys, and its secrets' names. */
export function declaredNames(bundle: Bundle): Set<string> {
  return new Set([...bundle.config.map((c) => c.key), ...bundle.secrets.map((s) => s.name)]);
}
