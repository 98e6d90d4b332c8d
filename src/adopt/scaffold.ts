/**
 * `envplane init` for a new project: the manifest and the files it names, as data (path → contents). Development
 * keeps secrets in `secrets/*.txt`; production uses external Compose/Swarm secrets named `<project>_<name>`, as in
 * the first seed. Pure: the CLI decides what exists and writes.
 */
import type { EnvironmentDraft, ManifestDraft } from '../manifest/write.ts';
import { renderManifest } from '../manifest/write.ts';

/** Conventional short names, used as aliases and as config file names (`config/dev.env`). */
const ALIASES: Record<string, string[]> = {
  development: ['dev'],
  production: ['prod'],
  staging: ['stage'],
  test: [],
};

export interface ScaffoldFile {
  path: string;
  contents: string;
  mode: number;
}

export function scaffoldProject(project: string, environments: string[], schemaRef: string): ScaffoldFile[] {
  const envs: Record<string, EnvironmentDraft> = {};
  const files: ScaffoldFile[] = [
    {
      path: 'config/common.env',
      contents: '# Non-secret settings shared by every environment (committed).\n',
      mode: 0o644,
    },
  ];
  for (const name of environments) {
    // A conventional alias another environment already uses as its name (`--env dev,development`) is left out: the
    // manifest would name "dev" twice, and the two would share config/dev.env.
    const aliases = (ALIASES[name] ?? []).filter((alias) => !environments.includes(alias));
    const short = aliases[0] ?? name;
    const layer = `config/${short}.env`;
    envs[name] = {
      ...(aliases.length > 0 ? { aliases } : {}),
      config: ['config/common.env', layer],
      secrets:
        name === 'production' ? { store: 'external', prefix: `${project}_` } : { store: 'files', dir: 'secrets' },
    };
    files.push({
      path: layer,
      contents: `# Non-secret settings of ${name}; they win over config/common.env.\n`,
      mode: 0o644,
    });
  }
  const draft: ManifestDraft = { project, environments: envs, keys: {}, services: {} };
  const manifest = renderManifest(draft, schemaRef, [
    'Declare each key once under `keys:` (plane: config, public, secret or build) and list under each',
    "service's `uses:` exactly the keys it reads. `envplane setup` creates the secret files; `envplane check` proves it.",
  ]);
  files.unshift({ path: 'envplane.yaml', contents: manifest, mode: 0o644 });
  files.push({ path: 'secrets/.gitkeep', contents: '', mode: 0o644 });
  return files;
}

/** A project name from a folder name: lower-case letters, digits and `-`, at most 63 (as the manifest requires). */
export function projectName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'app' : name;
}

export function environmentAliases(name: string): string[] {
  return ALIASES[name] ?? [];
}
