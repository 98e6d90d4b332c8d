/**
 * What each instance may read at a remote manager: its bundle's secrets, each at the entry the store's templates
 * give it. The policy renderers (`vault-policy`, `iam-policy`) and `check` read this. Pure.
 */
import type { Bundle } from '../resolve/types.ts';

export interface RemoteEntry {
  /** `DB_PASSWORD`, or `JIRA_TOKEN@wex`. */
  secret: string;
  /** The path (Vault, below the mount) or the name (AWS). */
  path: string;
}

export interface RemoteGrant {
  /** `etl@wex`, or `backend`. */
  instance: string;
  /** A file-safe form of the instance (`etl-wex`). */
  slug: string;
  entries: RemoteEntry[];
}

/** `entryOf` gives a secret's remote path or name (from the store's templates). */
export function remoteGrants(
  bundles: readonly Bundle[],
  entryOf: (name: string, tenant: string | undefined, service: string) => string,
): RemoteGrant[] {
  return bundles.map((b) => ({
    instance: b.instance.id,
    slug: b.instance.slug,
    entries: [
      ...b.secrets.map((s) => ({
        secret: s.tenant === undefined ? s.name : `${s.name}@${s.tenant}`,
        path: entryOf(s.name, s.tenant, b.instance.service),
      })),
    ],
  }));
}
