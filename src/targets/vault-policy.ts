/**
 * `render vault-policy`: one Vault ACL policy (HCL) per instance that lets it read exactly its own secrets and
 * nothing else. KV v2 keeps values under `<mount>/data/<path>` and versions under `<mount>/metadata/<path>`; an
 * instance that only reads needs `read` on its data paths, each named exactly (no `*`, no `+`): no `list`, no
 * metadata, no writes. Any capability under the mount also answers the CLI's mount preflight
 * (`sys/internal/ui/mounts/<mount>`), so it needs no rule of its own. Pure.
 */
import type { RemoteGrant } from './grants.ts';
import { generatedHeader, type Rendering } from './types.ts';

export interface VaultPolicyOptions {
  environment: string;
  mount: string;
  namespace?: string;
  grants: RemoteGrant[];
  /** Folder of the output files (default `vault-policy`). */
  dir?: string;
}

/** The KV v2 API path of an entry's current value. */
export function vaultDataPath(mount: string, path: string): string {
  return `${mount}/data/${path}`;
}

export function renderVaultPolicy(options: VaultPolicyOptions): Rendering {
  const dir = options.dir ?? 'vault-policy';
  const warnings: string[] = [];
  const files = options.grants.flatMap((grant) => {
    if (grant.entries.length === 0) {
      warnings.push(`${grant.instance} reads no secrets: no policy (give it none)`);
      return [];
    }
    const header = generatedHeader(`envplane render vault-policy --env ${options.environment}`)
      .split('\n')
      .map((l) => `# ${l}`);
    const lines = [
      ...header,
      `# ${grant.instance} in ${options.environment}${options.namespace ? ` (namespace ${options.namespace})` : ''}: read its ${grant.entries.length} secret${grant.entries.length === 1 ? '' : 's'}, nothing else.`,
      '',
    ];
    for (const entry of [...grant.entries].sort((a, b) => a.path.localeCompare(b.path))) {
      lines.push(`# ${entry.secret}`);
      lines.push(`path ${JSON.stringify(vaultDataPath(options.mount, entry.path))} {`);
      lines.push('  capabilities = ["read"]');
      lines.push('}');
      lines.push('');
    }
    return [{ path: `${dir}/${options.environment}/${grant.slug}.hcl`, contents: lines.join('\n') }];
  });
  return { files, warnings };
}
