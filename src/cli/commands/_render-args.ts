/**
 * `envplane render`'s flags, apart from the command so that its logic reads on one screen: the targets, which of them
 * print to stdout, and every option with its default.
 */
import { DEFAULT_ARN_TEMPLATE } from '../../targets/_arn.ts';
import { DEFAULT_CONTEXT, DEFAULT_IMAGE } from '../../targets/compose.ts';
import { dirArg, envArg, jsonArg } from '../_args.ts';

export const TARGETS = ['compose', 'swarm', 'k8s', 'ecs', 'buildkit', 'ci', 'vault-policy', 'iam-policy'] as const;
export type Target = (typeof TARGETS)[number];
/**
 * Targets that can render part of a project. Compose, Swarm and CI files describe the whole project: an override
 * or stack file with one service would leave the others to whatever the base file hands them.
 */
export const PER_SERVICE: ReadonlySet<Target> = new Set(['k8s', 'ecs', 'buildkit', 'vault-policy', 'iam-policy']);
/** Targets whose output is read by a person or piped on: stdout unless -o names a file. */
export const TO_STDOUT: ReadonlySet<Target> = new Set(['k8s', 'ecs', 'buildkit', 'vault-policy', 'iam-policy']);

export const args = {
  target: { type: 'positional', description: `What to render: ${TARGETS.join(', ')}`, required: false },
  provider: { type: 'positional', description: 'For `ci`: github or gitlab', required: false },
  ...envArg,
  service: {
    type: 'string',
    alias: 's',
    description:
      'k8s, ecs, buildkit: render one service, each of its tenants (default: every service); only its secrets are read',
    valueHint: 'service',
  },
  tenant: {
    type: 'string',
    alias: 't',
    description: 'With --service: one tenant of a per-tenant service (default: every tenant)',
    valueHint: 'tenant',
  },
  output: {
    type: 'string',
    alias: 'o',
    description:
      'Output file (relative to the current folder; "-" = stdout). Default: compose.envplane.yml (override), compose.<env>.yml (standalone), stack.<env>.yml (swarm), .github/workflows/envplane.yml, .gitlab-ci.envplane.yml; stdout for k8s, ecs, buildkit',
    valueHint: 'path',
  },
  check: {
    type: 'boolean',
    description: 'Compare with the file on disk; exit 1 with a diff when it drifted (default: false)',
  },
  reveal: {
    type: 'boolean',
    description: 'Allow printing output that carries secret values to stdout (default: false)',
  },
  force: { type: 'boolean', description: 'Overwrite an existing file envplane did not generate (default: false)' },
  mode: {
    type: 'string',
    description: 'compose: override (added to your compose file) or standalone (default: override)',
    valueHint: 'mode',
  },
  image: {
    type: 'string',
    description: `Image template; {project} {service} {tenant} {instance} {env} (default: ${DEFAULT_IMAGE})`,
    valueHint: 'template',
  },
  context: {
    type: 'string',
    description: `Build context template (default: ${DEFAULT_CONTEXT})`,
    valueHint: 'template',
  },
  build: {
    type: 'boolean',
    description:
      'compose --mode standalone: add build: with build.secrets (Compose v2; docker-compose v1 rejects it) (default: false)',
  },
  'external-secrets': {
    type: 'boolean',
    description: 'k8s: render ExternalSecret objects instead of Secrets (default: false)',
  },
  'store-name': {
    type: 'string',
    description: 'k8s: the SecretStore name for --external-secrets (default: the project name)',
    valueHint: 'name',
  },
  'store-kind': {
    type: 'string',
    description: 'k8s: SecretStore or ClusterSecretStore (default: SecretStore)',
    valueHint: 'kind',
  },
  'refresh-interval': {
    type: 'string',
    description: 'k8s: ExternalSecret refresh interval (default: 1h)',
    valueHint: 'duration',
  },
  namespace: {
    type: 'string',
    description: 'k8s: metadata.namespace of every object (default: none)',
    valueHint: 'ns',
  },
  'arn-template': {
    type: 'string',
    description: `ecs: valueFrom template; {region} {account} {prefix} {name} {tenant} {secret} (default: the external store's arn: in envplane.yaml, else ${DEFAULT_ARN_TEMPLATE})`,
    valueHint: 'template',
  },
  region: {
    type: 'string',
    description:
      "ecs: AWS region for {region}; iam-policy: the region (default: none; iam-policy: the aws store's region:)",
    valueHint: 'region',
  },
  account: {
    type: 'string',
    description: 'ecs: AWS account id for {account}; iam-policy: the account of the ARNs (default: none)',
    valueHint: 'id',
  },
  ...jsonArg,
  ...dirArg,
} as const;

export type Args = { [K in keyof typeof args]?: (typeof args)[K]['type'] extends 'boolean' ? boolean : string };
