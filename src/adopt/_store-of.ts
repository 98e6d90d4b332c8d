/** The secret store an environment's Compose secrets describe. Pure. */
import type { StoreDraft } from '../manifest/write.ts';
import type { ComposeModel } from './compose-model.ts';

/** The store Compose's top-level secrets describe: external names with a common prefix, or files in one folder. */
export function storeOf(env: string, stack: ComposeModel, warnings: string[]): StoreDraft {
  const used = new Set(
    Object.values(stack.services).flatMap((s) => [...s.secrets, ...s.buildSecrets].map((x) => x.source)),
  );
  const secrets = Object.values(stack.secrets).filter((s) => used.has(s.name));
  const external = secrets.filter((s) => s.external);
  if (external.length > 0 && external.length === secrets.length) {
    const prefixes = new Set(
      external.map((s) => {
        const name = s.externalName ?? s.name;
        return name.endsWith(s.name) ? name.slice(0, name.length - s.name.length) : '';
      }),
    );
    if (prefixes.size > 1)
      warnings.push(`${env}: external secret names do not share one prefix; check the store's pattern`);
    return { store: 'external', prefix: [...prefixes][0] ?? '' };
  }
  if (external.length > 0)
    warnings.push(`${env}: some secrets are external and some are files; declared as a files store`);
  const dirs = secrets.flatMap((s) => (s.path ? [s.path.slice(0, Math.max(0, s.path.lastIndexOf('/'))) || '.'] : []));
  const dir = mostCommon(dirs) ?? 'secrets';
  for (const s of secrets) {
    if (s.path && s.path !== `${dir}/${s.name}.txt`)
      warnings.push(`${s.name}: Compose reads it from ${s.path}; envplane's files store expects ${dir}/${s.name}.txt`);
    if (s.environment)
      warnings.push(
        `${s.name}: Compose reads it from the variable ${s.environment}; envplane's files store expects ${dir}/${s.name}.txt`,
      );
  }
  return { store: 'files', dir };
}

function mostCommon(items: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}
