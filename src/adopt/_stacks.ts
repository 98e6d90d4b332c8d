/**
 * Which Compose files make up each environment: the base files (`compose.yaml`, `docker-compose.yml` and their
 * `.override`) are development's; a variant (`docker-compose.prod.yml`) is its environment's, merged over the base
 * as `docker compose -f base -f variant` does — unless every service in it names an image or a build, in which case
 * it stands alone (the first seed deploys `docker-compose.prod.yml` by itself with `docker stack deploy -c`). Pure.
 */
import { mergeCompose } from './_compose-parse.ts';
import { composeVariant, environmentOf } from './_file-roles.ts';
import type { ComposeModel } from './compose-model.ts';
import type { Decision } from './inference.ts';

export function composeStacks(
  files: readonly { file: string; model: ComposeModel }[],
  decisions: Decision[],
): Map<string, ComposeModel> {
  const stacks = new Map<string, ComposeModel>();
  const base = files.filter((f) => composeVariant(f.file) === undefined);
  const variants = files.filter((f) => composeVariant(f.file) !== undefined);
  for (const variant of variants) {
    const word = composeVariant(variant.file)!;
    const environment = environmentOf(word);
    if (!environment) {
      decisions.push({
        subject: variant.file,
        decision: 'not read',
        reason: `"${word}" is not an environment name (dev, prod, staging, test…)`,
      });
      continue;
    }
    const services = Object.values(variant.model.services);
    const standalone = base.length === 0 || (services.length > 0 && services.every((s) => s.complete));
    const model = standalone
      ? mergeCompose([variant.model])
      : mergeCompose([...base.map((b) => b.model), variant.model]);
    stacks.set(environment, model);
    decisions.push({
      subject: variant.file,
      decision: `Compose file of ${environment}`,
      reason: standalone
        ? `"${word}" names ${environment}; every service in it has an image or a build, so it stands alone`
        : `"${word}" names ${environment}; merged over ${base.map((b) => b.file).join(', ')}`,
    });
  }
  if (base.length > 0 && !stacks.has('development')) {
    stacks.set('development', mergeCompose(base.map((b) => b.model)));
    decisions.push({
      subject: base.map((b) => b.file).join(' + '),
      decision: 'Compose files of development',
      reason: 'the base Compose files are what `docker compose up` runs locally',
    });
  }
  const order = ['development', 'test', 'staging', 'production'];
  const rank = (env: string) => (order.includes(env) ? order.indexOf(env) : order.length);
  return new Map([...stacks].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
}
