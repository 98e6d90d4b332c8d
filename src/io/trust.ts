/**
 * Whether a secret file may be trusted, as ssh judges a key (StrictModes): the file and every folder from its own up
 * to the project folder must be owned by the running user, root, or the owner of the project folder (CI runs as
 * root over a checkout owned by the runner's user), and writable by nobody but their owner. Otherwise another
 * account could have replaced the value (a world-writable `secrets/`, a file planted by another user), and
 * `run`, `export` and `render` would deliver what they wrote. The file is judged by the descriptor that was read
 * (`fstat`), so a file swapped after the check is not the one judged; the folders by their status (links followed:
 * a linked store folder is judged where it leads).
 */
import { type Stats, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Distrust {
  /** Project-relative path of the file or folder at fault ('.' for the project folder). */
  path: string;
  /** Why, in words: who owns it or who can write it. Never a value. */
  reason: string;
}

/** The owners a secret file may have: the running user, root, the project folder's owner. */
export function trustedOwners(root: string): Set<number> {
  const owners = new Set<number>([0]);
  const uid = process.geteuid?.();
  if (uid !== undefined) owners.add(uid);
  try {
    owners.add(statSync(root).uid);
  } catch {
    // A project folder that cannot be looked at cannot be read either: the read reports it.
  }
  return owners;
}

/** Why one file or folder is not to be trusted, or undefined. Pure: status and owners in, words out. */
export function distrustOf(
  stat: Pick<Stats, 'uid' | 'mode'>,
  owners: ReadonlySet<number>,
  kind: 'file' | 'folder',
): string | undefined {
  if (!owners.has(stat.uid))
    return `owned by uid ${stat.uid}, who is neither you, root, nor the owner of the project folder`;
  const mode = stat.mode & 0o7777;
  if ((mode & 0o022) !== 0)
    return `writable by ${(mode & 0o002) !== 0 ? 'anyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}), so another account can ${kind === 'file' ? 'change the value' : 'replace the files in it'}`;
  return undefined;
}

/**
 * The first of `path` (judged by `fileStat`, from the opened descriptor) and the folders above it, up to and
 * including the project folder, that is not to be trusted; undefined when all are.
 */
export function distrustOfSecretFile(
  root: string,
  path: string,
  fileStat: Pick<Stats, 'uid' | 'mode'>,
  owners: ReadonlySet<number> = trustedOwners(root),
): Distrust | undefined {
  const own = distrustOf(fileStat, owners, 'file');
  if (own) return { path, reason: own };
  const parts = path.split('/').slice(0, -1);
  for (let n = parts.length; n >= 0; n--) {
    const folder = n === 0 ? '.' : parts.slice(0, n).join('/');
    let stat: Stats;
    try {
      stat = statSync(join(root, folder));
    } catch {
      continue; // the file was read through it a moment ago; a folder gone since judges nothing
    }
    const reason = distrustOf(stat, owners, 'folder');
    if (reason) return { path: folder === '.' ? '.' : `${folder}/`, reason };
  }
  return undefined;
}
