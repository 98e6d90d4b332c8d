/**
 * ECS `secrets[].valueFrom`: built from a template and checked against the shapes ECS accepts, before anything is
 * written. Secrets Manager: `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME` optionally followed by
 * `:json-key:version-stage:version-id` (2 or 5 colon parts from `secret`). SSM: a parameter name or its ARN.
 */
import { EnvplaneError } from '../errors.ts';

export const DEFAULT_ARN_TEMPLATE = 'arn:aws:secretsmanager:{region}:{account}:secret:{secret}';

export interface ArnFields {
  region?: string;
  account?: string;
  /** The store's prefix (external stores), `''` otherwise. */
  prefix: string;
  /** The key's name. */
  name: string;
  tenant?: string;
  /** The full name the store gives the secret (`Reactrine_postgres_password`, `Pulse_wex_JIRA_TOKEN`). */
  secret: string;
}

const PARTITION = '(?:aws|aws-cn|aws-us-gov)';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const ACCOUNT = '\\d{12}';
const SM_NAME = '[A-Za-z0-9/_+=.@-]+';
const SECRETS_MANAGER = new RegExp(
  `^arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${SM_NAME}(?::[^:]*:[^:]*:[^:]*)?$`,
);
const SSM_ARN = new RegExp(`^arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter/[A-Za-z0-9_.\\-/]+$`);
const SSM_NAME = /^\/?[A-Za-z0-9_.\-/]+$/;

export function fillArn(template: string, fields: ArnFields): string {
  for (const flag of ['region', 'account'] as const)
    if (template.includes(`{${flag}}`) && !fields[flag])
      throw new EnvplaneError('usage', `the ARN template needs --${flag}`, {
        hint: `pass --${flag}, or write the ${flag} into the template (--arn-template, or the store's arn: in envplane.yaml)`,
      });
  return template
    .replaceAll('{region}', fields.region ?? '')
    .replaceAll('{account}', fields.account ?? '')
    .replaceAll('{prefix}', fields.prefix)
    .replaceAll('{name}', fields.name)
    .replaceAll('{tenant}', fields.tenant ?? '')
    .replaceAll('{secret}', fields.secret);
}

export function checkValueFrom(valueFrom: string, secretName: string): void {
  const ok = valueFrom.startsWith('arn:')
    ? SECRETS_MANAGER.test(valueFrom) || SSM_ARN.test(valueFrom)
    : SSM_NAME.test(valueFrom) && valueFrom.length <= 2048;
  if (!ok)
    throw new EnvplaneError('usage', `the valueFrom of ${secretName} is not an ARN or parameter name ECS accepts`, {
      hint: `got "${valueFrom}"; expected arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:json-key:version-stage:version-id], arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, or an SSM parameter name`,
    });
}
