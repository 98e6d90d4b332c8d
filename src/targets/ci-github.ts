/**
 * `render ci github`: a GitHub Actions workflow. A gate job runs `envplane check` and `render --check`; one job per
 * service with build secrets builds its image with each secret passed as `--secret id=…,env=…` from the repository's
 * secret store (`${{ secrets.X }}` in the step's `env:`, never on the command line). Pure.
 */
import { toYaml, yamlComment } from './_yaml.ts';
import { type CiOptions, ciBuilds, gateCommands } from './_ci.ts';
import { generatedHeader, type Rendering } from './types.ts';

export function renderGithub(options: CiOptions): Rendering {
  const checkout = { uses: 'actions/checkout@v4' };
  const jobs: Record<string, unknown> = {
    'envplane-gate': {
      'runs-on': 'ubuntu-latest',
      steps: [
        checkout,
        { uses: 'actions/setup-node@v4', with: { 'node-version': '20' } },
        { run: 'npm ci' },
        ...gateCommands(options.environment).map((run) => ({ run })),
      ],
    },
  };
  for (const build of ciBuilds(options))
    jobs[`build-${build.service}`] = {
      needs: 'envplane-gate',
      'runs-on': 'ubuntu-latest',
      steps: [
        checkout,
        {
          name: `Build ${build.service} with BuildKit secrets`,
          env: {
            DOCKER_BUILDKIT: '1',
            ...Object.fromEntries(build.variables.map((v) => [v, `\${{ secrets.${v} }}`])),
          },
          run: build.command,
        },
      ],
    };
  const document = { name: `envplane (${options.environment.name})`, on: { push: {}, pull_request: {} }, jobs };
  const contents = yamlComment(generatedHeader(options.command)) + toYaml(document as never);
  return { files: [{ path: options.path ?? '.github/workflows/envplane.yml', contents }], warnings: [] };
}
