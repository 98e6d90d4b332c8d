/**
 * `render ci gitlab`: a GitLab CI file. A gate job runs `envplane check` and `render --check`; one job per service
 * with build secrets builds with `--secret id=…,env=…`: GitLab exposes CI/CD variables (mark them masked and
 * protected) to the job's environment, so no value is ever written into the file or onto a command line. Pure.
 */
import { toYaml, yamlComment } from './_yaml.ts';
import { type CiOptions, ciBuilds, gateCommands } from './_ci.ts';
import { generatedHeader, type Rendering } from './types.ts';

export function renderGitlab(options: CiOptions): Rendering {
  const document: Record<string, unknown> = {
    stages: ['check', 'build'],
    'envplane-gate': { stage: 'check', image: 'node:20', script: ['npm ci', ...gateCommands(options.environment)] },
  };
  for (const build of ciBuilds(options))
    document[`build-${build.service}`] = {
      stage: 'build',
      needs: ['envplane-gate'],
      image: 'docker:27',
      services: ['docker:27-dind'],
      variables: { DOCKER_BUILDKIT: '1' },
      script: [build.command],
    };
  const contents = yamlComment(generatedHeader(options.command)) + toYaml(document as never);
  return { files: [{ path: options.path ?? '.gitlab-ci.envplane.yml', contents }], warnings: [] };
}
