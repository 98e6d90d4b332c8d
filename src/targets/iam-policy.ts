/**
 * `render iam-policy`: one IAM identity policy per instance that lets it read exactly its own Secrets Manager
 * secrets. Secrets Manager appends a hyphen and six random characters to every secret's ARN
 * (`…:secret:app/prod/DB-a1B2c3`), so each resource is `…:secret:<name>-??????`: `?` matches exactly one
 * character, so the pattern matches this secret only (a `*` would also match `<name>-other`, another secret).
 * `secretsmanager:BatchGetSecretValue` cannot be scoped to resources (AWS evaluates GetSecretValue on each secret
 * it returns), so it is granted on `*` and gives nothing without the per-secret grant. With a KMS key, `kms:Decrypt`
 * on that key only, and only through Secrets Manager in the region (`kms:ViaService`). Pure.
 */
import { EnvplaneError } from '../errors.ts';
import type { RemoteGrant } from './grants.ts';
import type { Rendering } from './types.ts';

/** The statement ids envplane writes: how a rendered policy is recognised again (JSON has no comments). */
export const IAM_SIDS: ReadonlySet<string> = new Set([
  'ReadOwnSecrets',
  'BatchReadNeedsPerSecretGrant',
  'DecryptOwnSecrets',
]);

export interface IamPolicyOptions {
  environment: string;
  region: string;
  account: string;
  /** A key id, alias or ARN; ARNs are used as they are, ids and aliases become ARNs in the region and account. */
  kmsKeyId?: string;
  partition?: string;
  grants: RemoteGrant[];
  dir?: string;
}

export function secretArnPattern(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}-??????`;
}

export function kmsKeyArn(partition: string, region: string, account: string, key: string): string {
  if (key.startsWith('arn:')) return key;
  return `arn:${partition}:kms:${region}:${account}:${key.startsWith('alias/') ? key : `key/${key}`}`;
}

export function renderIamPolicy(options: IamPolicyOptions): Rendering {
  if (!/^\d{12}$/.test(options.account))
    throw new EnvplaneError('usage', 'an IAM policy needs the 12-digit AWS account id', {
      hint: 'pass --account 123456789012',
    });
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(options.region))
    throw new EnvplaneError('usage', `"${options.region}" is not an AWS region`, {
      hint: 'e.g. eu-west-1 (--region, or region: in the store)',
    });
  const partition = options.partition ?? 'aws';
  const dir = options.dir ?? 'iam-policy';
  const warnings: string[] = [];
  if (options.kmsKeyId?.startsWith('alias/'))
    warnings.push(
      'kms:Decrypt is granted on the alias ARN; IAM matches key ARNs, so name the key id or ARN in kmsKeyId for the grant to apply',
    );
  const files = options.grants.flatMap((grant) => {
    if (grant.entries.length === 0) {
      warnings.push(`${grant.instance} reads no secrets: no policy (give it none)`);
      return [];
    }
    const resources = [...grant.entries]
      .map((e) => secretArnPattern(partition, options.region, options.account, e.path))
      .sort();
    const statements: unknown[] = [];
    statements.push({
      Sid: 'ReadOwnSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: resources,
    });
    statements.push({
      Sid: 'BatchReadNeedsPerSecretGrant',
      Effect: 'Allow',
      Action: 'secretsmanager:BatchGetSecretValue',
      Resource: '*',
    });
    if (options.kmsKeyId)
      statements.push({
        Sid: 'DecryptOwnSecrets',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: kmsKeyArn(partition, options.region, options.account, options.kmsKeyId),
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${options.region}.amazonaws.com` } },
      });
    const doc = { Version: '2012-10-17', Statement: statements };
    return [
      { path: `${dir}/${options.environment}/${grant.slug}.json`, contents: `${JSON.stringify(doc, null, 2)}\n` },
    ];
  });
  return { files, warnings };
}
