/**
 * `envplane init --from-existing`: read what the project has (Compose files, env files, names of secret files),
 * infer the manifest, prove it against the project's own Compose grants, print every decision with its reason, and
 * write `envplane.yaml` — and no other file. Secret file contents are never read; env values are compared, never shown.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { compareGrants, type GrantDifference } from '../../adopt/grants.ts';
import { inferManifest } from '../../adopt/infer.ts';
import type { ExistingProject, Inference } from '../../adopt/inference.ts';
import { parseDotenvEntries } from '../../dotenv/index.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { readTextIfExists } from '../../io/read.ts';
import { parseManifest } from '../../manifest/parse.ts';
import { renderManifest } from '../../manifest/write.ts';
import { findComposeFiles, readComposeFiles } from '../../project/compose.ts';
import { MANIFEST_FILE } from '../../project/load.ts';
import { style } from '../_style.ts';
import { listDir } from '../../io/list.ts';

export function initFromExisting(
  root: string,
  options: { project: string; schemaRef: string; dryRun: boolean; json: boolean },
): number {
  const existing = readExisting(root, options.project);
  const inference = inferManifest(existing);
  const text = renderManifest(inference.draft, options.schemaRef, [
    'Inferred by `envplane init --from-existing` from the files of this project: check each key and service.',
  ]);
  const manifest = parseManifest(text, MANIFEST_FILE);
  const layers = Object.fromEntries(existing.envFiles.map((f) => [f.path, f.entries]));
  const differences = compareGrants(manifest, layers, inference.stacks);
  if (!options.dryRun) writeFileAtomic(join(root, MANIFEST_FILE), text, { mode: 0o644, shownAs: MANIFEST_FILE });
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          written: options.dryRun ? null : MANIFEST_FILE,
          manifest: text,
          decisions: inference.decisions,
          warnings: inference.warnings,
          differences,
          composeFiles: existing.composeFiles.map((c) => c.file),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(report(existing, inference, differences, options.dryRun, text));
  }
  return 0;
}

function report(
  existing: ExistingProject,
  inference: Inference,
  differences: GrantDifference[],
  dryRun: boolean,
  text: string,
): string {
  const lines = [style.bold('What envplane found and decided')];
  for (const d of inference.decisions)
    lines.push(
      `  ${d.subject}: ${style.bold(d.decision)}  ${style.dim(`${d.reason}${d.where ? ` (${d.where})` : ''}`)}`,
    );
  for (const w of inference.warnings) lines.push(`${style.yellow('warning')}: ${w}`);
  const real = differences.filter((d) => d.kind !== 'over-grant');
  const over = differences.filter((d) => d.kind === 'over-grant');
  lines.push('');
  if (existing.composeFiles.length === 0) lines.push(style.dim('No Compose files: nothing to compare grants with.'));
  else if (real.length === 0)
    lines.push(
      style.green('The manifest grants every Compose service exactly the keys and secrets its Compose files grant.'),
    );
  else {
    lines.push(style.yellow(`The manifest differs from the Compose files in ${real.length} place(s):`));
    for (const d of real)
      lines.push(
        `  ${d.environment} ${d.service}: ${d.kind} ${d.key}  ${style.dim(`${d.reason}${d.where ? ` (${d.where})` : ''}`)}`,
      );
  }
  if (over.length > 0) {
    lines.push('', 'Where the project grants more than least privilege would (kept as is; tighten it by hand):');
    for (const d of over)
      lines.push(
        `  ${d.environment} ${d.service}: ${d.key === '*' ? '' : `${d.key} `}${style.dim(`${d.reason}${d.where ? ` (${d.where})` : ''}`)}`,
      );
  }
  lines.push(
    '',
    dryRun
      ? style.bold(`${MANIFEST_FILE} (dry run, not written):`)
      : `Wrote ${MANIFEST_FILE}. Next: \`envplane check\`.`,
  );
  if (dryRun) lines.push(text);
  return `${lines.join('\n')}\n`;
}

/** The project's files as data. Values of secret files are never read, only their names. */
export function readExisting(root: string, name: string): ExistingProject {
  const composeFiles = findComposeFiles(root).map((file) => ({ file, model: readComposeFiles(root, [file]) }));
  const envPaths: string[] = [];
  const examplePaths: string[] = [];
  const sort = (path: string) => {
    if (/\.example$/.test(path)) examplePaths.push(path);
    else if (!/\.(bak(\.\d+)?|orig|swp|tmp)$/.test(path)) envPaths.push(path);
  };
  for (const entry of list(root)) if (entry === '.env' || entry.startsWith('.env.')) sort(entry);
  for (const entry of list(join(root, 'config'))) if (/\.env(\.example)?$/.test(entry)) sort(`config/${entry}`);
  for (const folder of [...list(root).map((d) => d), ...list(join(root, 'services')).map((d) => `services/${d}`)]) {
    if (folder.startsWith('.') || folder === 'node_modules' || folder === 'config' || folder === 'secrets') continue;
    if (!isDir(join(root, folder))) continue;
    for (const entry of list(join(root, folder)))
      if (entry === '.env' || entry === '.env.example') sort(`${folder}/${entry}`);
  }
  const envFiles = envPaths.sort().map((path) => ({
    path,
    entries: parseDotenvEntries(readTextIfExists(join(root, path), path) ?? '', { lookup: {}, file: path }),
  }));
  const exampleFiles = examplePaths.sort().map((path) => ({
    path,
    keys: parseDotenvEntries(readTextIfExists(join(root, path), path) ?? '', { lookup: {}, file: path }).map(
      (e) => e.key,
    ),
  }));
  const secretFiles: string[] = [];
  for (const entry of list(join(root, 'secrets'))) {
    if (isDir(join(root, 'secrets', entry)))
      for (const inner of list(join(root, 'secrets', entry))) secretFiles.push(`secrets/${entry}/${inner}`);
    else secretFiles.push(`secrets/${entry}`);
  }
  return { name, composeFiles, envFiles, exampleFiles, secretFiles: secretFiles.sort() };
}

function list(dir: string): string[] {
  return listDir(dir).sort();
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
