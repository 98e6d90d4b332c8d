/** What both CI renderers share: the gate commands and the build steps with BuildKit secrets from the CI store. */
import type { Environment } from '../manifest/types.ts';
import { shellLine } from '../shell.ts';
import { type BuildkitOptions, buildPlans, buildVariable } from './buildkit.ts';

/** CI jobs build the same images as `render buildkit`, so they take the same options. */
export type CiOptions = BuildkitOptions;

export interface CiBuild {
  service: string;
  /** Variables to set from the CI secret store (build secret id upper-cased). */
  variables: string[];
  command: string;
}

/** `envplane check` and the drift gate of the committed stack file. */
export function gateCommands(environment: Environment): string[] {
  return [
    'npx envplane check',
    shellLine(['npx', 'envplane', 'render', 'compose', '--env', environment.name, '--mode', 'standalone', '--check']),
  ];
}

/** `docker build` with every build secret as `env=`: CI secret stores hand values over as variables. */
export function ciBuilds(options: CiOptions): CiBuild[] {
  return buildPlans(options).map((plan) => {
    const bundle = options.bundles.find((b) => b.instance.service === plan.service)!;
    const ids = bundle.build.map((b) => b.id);
    const args = [
      ...ids.flatMap((id) => ['--secret', `id=${id},env=${buildVariable(id)}`]),
      '-t',
      plan.image,
      plan.context,
    ];
    return {
      service: plan.service,
      variables: ids.map(buildVariable),
      command: shellLine(['docker', 'build', ...args]),
    };
  });
}
