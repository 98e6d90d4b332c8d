/**
 * Secrets where config belongs: a secret in a layer every service of an environment reads (`POSTGRES_PASSWORD=pulse`
 * in the "NO secrets" `.env.shared`), or a config/public key whose name or value has the shape of a credential.
 */
import { looksLikeSecretName } from './_common.ts';
import { layersInScope, sharedLayers } from './_scope.ts';
import type { Finding, Rule } from './types.ts';

export const secretInConfig: Rule<'secret-in-config'> = {
  id: 'secret-in-config',
  severity: 'error',
  title: 'Secret in a config or public layer',
  why: 'Config layers are shared, committed and printed freely; public values end up in browser bundles.',
  hint: 'declare the key `plane: secret` and move its value to the secret store (`envplane migrate`)',
  run(input) {
    const { manifest, layers } = input;
    const shared = sharedLayers(input);
    const found: Finding[] = [];
    for (const file of layersInScope(input)) {
      for (const entry of layers[file] ?? []) {
        const key = manifest.keys[entry.key];
        const location = { file, line: entry.line, column: entry.column };
        if (key?.plane === 'secret' || key?.plane === 'build') {
          if (!shared.has(file)) continue; // a service's own file: `secret-env-var` reports it
          found.push({
            message: `secret ${entry.key} is set in ${file}, a config layer shared by every service of the environment`,
            location,
            key: entry.key,
          });
          continue;
        }
        const byName = looksLikeSecretName(entry.key);
        if (!byName && !entry.looksSecret) continue;
        const what = key ? `${key.plane} key ${entry.key}` : `undeclared key ${entry.key}`;
        const shape = byName ? 'is named like a secret' : 'holds a value that looks like a credential';
        found.push({
          message: `${what} in ${file} ${shape}${key?.plane === 'public' ? ' and public values reach the browser' : ''}`,
          location,
          key: entry.key,
          hint: key
            ? `if it is a secret, declare it \`plane: secret\` and move the value to the secret store; if not, silence this rule for the key with a reason`
            : `declare it in envplane.yaml (\`plane: secret\` if it is one) and move the value to the secret store`,
        });
      }
    }
    return found;
  },
};
