/**
 * The plaintext `envplane migrate` leaves behind: it keeps the old text of every layer it rewrites as `<layer>.bak`
 * (0600, git-ignored) so a surprise can be undone, but that copy still holds the secrets it moved, indefinitely,
 * where the store's protections (rotation, `check` of modes and strength) no longer see them.
 */
import { shellPath } from '../shell.ts';
import { listText } from './_common.ts';
import { layersInScope, sharedLayers } from './_scope.ts';
import type { Finding, Rule } from './types.ts';

export const secretInBackup: Rule<'secret-in-backup'> = {
  id: 'secret-in-backup',
  severity: 'warning',
  title: 'Secret left in a layer backup',
  why: 'A backup keeps the old plaintext secrets after they moved to the store: rotation, mode and strength checks no longer see them, and copies of the folder take them along.',
  hint: 'verify the migrated values, then delete the backup (`rm <layer>.bak`)',
  run(input) {
    const { manifest } = input;
    const inScope = new Set([...layersInScope(input), ...sharedLayers(input)]);
    const found: Finding[] = [];
    for (const backup of input.layerBackups) {
      if (!inScope.has(backup.layer)) continue;
      const secrets = backup.keys.filter((k) => {
        const plane = manifest.keys[k]?.plane;
        return plane === 'secret' || plane === 'build';
      });
      if (secrets.length === 0) continue;
      found.push({
        message: `backup ${backup.path} of layer ${backup.layer} still holds secret${secrets.length > 1 ? 's' : ''} ${listText(secrets)} in plaintext`,
        hint: `verify the migrated values (\`envplane env\` shows where each secret now comes from; start the services), then delete the backup: \`rm ${shellPath(backup.path)}\``,
        location: { file: backup.path },
      });
    }
    return found;
  },
};
