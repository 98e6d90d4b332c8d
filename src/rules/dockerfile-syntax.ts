/**
 * The seed's "Build Secrets Not Working": `RUN --mount=type=secret` needs the Dockerfile frontend 1.2 or later, and
 * its `env=` option 1.10 or later; the `# syntax=docker/dockerfile:1.x` line pins a frontend that has them.
 */
import type { DockerfileFact, Finding, Rule } from './types.ts';

function atLeast(version: [number, number] | undefined, major: number, minor: number): boolean {
  if (!version) return true; // `dockerfile:1` or `latest` follow the newest 1.x
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

function check(file: DockerfileFact): Finding[] {
  const first = file.secretMounts[0];
  if (!first) return [];
  const syntax = file.syntax;
  if (!syntax || !/^(docker\.io\/)?docker\/dockerfile(:|$)/.test(syntax.image))
    return [
      {
        message: `${file.path} uses --mount=type=secret without a \`# syntax=docker/dockerfile:1.x\` line`,
        hint: 'add `# syntax=docker/dockerfile:1.7` as the very first line',
        location: { file: file.path, line: first.line },
      },
    ];
  if (!atLeast(syntax.version, 1, 2))
    return [
      {
        message: `${file.path} pins ${syntax.image}, older than 1.2, which has no secret mounts`,
        hint: 'use `# syntax=docker/dockerfile:1.7` or newer',
        location: { file: file.path, line: syntax.line },
      },
    ];
  const withEnv = file.secretMounts.find((m) => m.env !== undefined);
  if (withEnv && !atLeast(syntax.version, 1, 10))
    return [
      {
        message: `${file.path} mounts secret ${withEnv.id} with env=, which needs docker/dockerfile 1.10 or newer`,
        hint: 'use `# syntax=docker/dockerfile:1.10` or newer, or read the secret from /run/secrets/<id>',
        location: { file: file.path, line: withEnv.line },
      },
    ];
  return [];
}

export const dockerfileSyntax: Rule<'dockerfile-syntax'> = {
  id: 'dockerfile-syntax',
  severity: 'warning',
  title: 'Secret mount without a recent Dockerfile syntax',
  why: 'Older builders reject `--mount=type=secret` or ignore `env=`, and the build fails or runs without its secret.',
  hint: 'add `# syntax=docker/dockerfile:1.7` as the first line of the Dockerfile',
  run({ dockerfiles }) {
    return dockerfiles.flatMap(check);
  },
};
