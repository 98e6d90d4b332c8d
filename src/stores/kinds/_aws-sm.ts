/**
 * AWS Secrets Manager through the official SDK (`@aws-sdk/client-secrets-manager`). This file is imported lazily
 * (through a dynamic import in the store's entry): the SDK costs ~55 ms to load and never sits on the files store's path.
 *
 * Credentials and region come from the SDK's default provider chain only (AWS_PROFILE, the environment, SSO, web
 * identity, instance roles); `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL` point it elsewhere (the tests'
 * moto server). Errors name the secret and the API call, never a value or a credential; the SDK's own message is
 * not quoted (a service message can echo request parameters).
 *
 * A write is staged: the new version is put under `ENVPLANE_STAGED` (not `AWSPENDING`, which belongs to AWS's own
 * rotation), then `AWSCURRENT` is moved to it with `RemoveFromVersionId` set to the version the caller expects to be
 * current. Secrets Manager refuses the move when `AWSCURRENT` is no longer on that version, which makes the move a
 * compare-and-set: a concurrent writer loses with a conflict instead of being overwritten.
 */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { EnvplaneError } from '../../errors.ts';

export const STAGING_LABEL = 'ENVPLANE_STAGED';

export interface AwsSecret {
  value: string;
  versionId: string;
}

export interface AwsDescription {
  arn: string;
  /** Version id → its staging labels. */
  versions: Record<string, string[]>;
  current: string | undefined;
  kmsKeyId: string | undefined;
  lastChanged: Date | undefined;
  created: Date | undefined;
}

export type AwsWriteResult =
  | { status: 'ok'; versionId: string }
  | { status: 'unchanged'; versionId: string }
  | { status: 'conflict'; currentVersionId: string | undefined };

/** What went wrong, with the secret's name and the call; `code` is the service's error name. */
export class AwsError extends EnvplaneError {
  readonly code: string;
  readonly secret: string;
  constructor(code: string, secret: string, message: string, hint?: string) {
    super('failure', message, hint === undefined ? {} : { hint });
    this.code = code;
    this.secret = secret;
  }
}

export interface AwsSettings {
  region?: string;
  /** Attempts per call including the first (the SDK's standard retry mode: jittered backoff, throttling aware). */
  maxAttempts?: number;
}

export class AwsSecrets {
  readonly #client: SecretsManagerClient;
  readonly region: string | undefined;

  constructor(settings: AwsSettings = {}) {
    this.region = settings.region;
    // The SDK warns on stderr about Node 20's support ending; envplane's stderr is for its own messages. (AWS_* is
    // removed from `run`'s child environment unless declared, so this does not travel further.)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.#client = new SecretsManagerClient({
      ...(settings.region ? { region: settings.region } : {}),
      maxAttempts: settings.maxAttempts ?? 3,
      retryMode: 'standard',
    });
  }

  close(): void {
    this.#client.destroy();
  }

  /** The AWSCURRENT value, or undefined when the secret does not exist (or has no current string value). */
  async get(name: string): Promise<AwsSecret | undefined> {
    try {
      // The stage named explicitly: moto (5.2) answers a bare GetSecretValue with the version that was current before
      // an UpdateSecretVersionStage; AWS defaults to AWSCURRENT, so naming it is right for both.
      const r = await this.#client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }));
      if (r.SecretString === undefined || r.VersionId === undefined) return undefined;
      return { value: r.SecretString, versionId: r.VersionId };
    } catch (e) {
      if (codeOf(e) === 'ResourceNotFoundException') return undefined;
      throw this.failed(e, 'GetSecretValue', name);
    }
  }

  /**
   * Many AWSCURRENT values in as few round trips as the API allows (BatchGetSecretValue, 20 names a call); names that
   * do not exist are absent from the answer. Falls back to one GetSecretValue each when the batch call is denied
   * (a policy may grant GetSecretValue only).
   */
  async getMany(names: readonly string[]): Promise<Map<string, AwsSecret>> {
    const out = new Map<string, AwsSecret>();
    const chunks: string[][] = [];
    for (let i = 0; i < names.length; i += 20) chunks.push(names.slice(i, i + 20));
    await Promise.all(
      chunks.map(async (chunk) => {
        let values: {
          Name?: string;
          ARN?: string;
          SecretString?: string;
          VersionId?: string;
          VersionStages?: string[];
        }[];
        let errors: { SecretId?: string; ErrorCode?: string }[];
        try {
          const r = await this.#client.send(new BatchGetSecretValueCommand({ SecretIdList: chunk }));
          values = r.SecretValues ?? [];
          errors = r.Errors ?? [];
        } catch (e) {
          if (codeOf(e) !== 'AccessDeniedException') throw this.failed(e, 'BatchGetSecretValue', chunk.join(', '));
          await Promise.all(
            chunk.map(async (n) => {
              const s = await this.get(n);
              if (s) out.set(n, s);
            }),
          );
          return;
        }
        const recheck: string[] = [];
        for (const v of values) {
          const name = chunk.find((n) => n === v.Name || n === v.ARN) ?? v.Name;
          if (!name) continue;
          // An answer that is not the AWSCURRENT version (moto 5.2 after a stage move; never AWS) is read again by stage.
          if (v.VersionStages && !v.VersionStages.includes('AWSCURRENT')) recheck.push(name);
          else if (v.SecretString !== undefined && v.VersionId)
            out.set(name, { value: v.SecretString, versionId: v.VersionId });
        }
        await Promise.all(
          recheck.map(async (n) => {
            const s = await this.get(n);
            if (s) out.set(n, s);
          }),
        );
        const bad = errors.find((x) => x.ErrorCode !== 'ResourceNotFoundException');
        if (bad)
          throw new AwsError(
            bad.ErrorCode ?? 'Error',
            bad.SecretId ?? '',
            `AWS Secrets Manager: reading ${bad.SecretId}: ${bad.ErrorCode}`,
            hintFor(bad.ErrorCode ?? ''),
          );
      }),
    );
    return out;
  }

  async describe(name: string): Promise<AwsDescription | undefined> {
    try {
      const r = await this.#client.send(new DescribeSecretCommand({ SecretId: name }));
      const versions: Record<string, string[]> = {};
      for (const [id, stages] of Object.entries(r.VersionIdsToStages ?? {})) versions[id] = [...stages];
      const current = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
      return {
        arn: r.ARN ?? '',
        versions,
        current,
        kmsKeyId: r.KmsKeyId,
        lastChanged: r.LastChangedDate,
        created: r.CreatedDate,
      };
    } catch (e) {
      if (codeOf(e) === 'ResourceNotFoundException') return undefined;
      throw this.failed(e, 'DescribeSecret', name);
    }
  }

  /** Secret names under a prefix (ListSecrets with a name filter), paged. */
  async list(prefix: string): Promise<{ name: string; lastChanged: Date | undefined }[]> {
    const out: { name: string; lastChanged: Date | undefined }[] = [];
    let token: string | undefined;
    do {
      try {
        const r = await this.#client.send(
          new ListSecretsCommand({
            Filters: [{ Key: 'name', Values: [prefix] }],
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const s of r.SecretList ?? [])
          if (s.Name?.startsWith(prefix)) out.push({ name: s.Name, lastChanged: s.LastChangedDate });
        token = r.NextToken;
      } catch (e) {
        throw this.failed(e, 'ListSecrets', `${prefix}*`);
      }
    } while (token);
    return out;
  }

  /**
   * Writes `value` as the new AWSCURRENT of `name` if AWSCURRENT is still `expected` (undefined: the secret must not
   * exist yet). A value equal to the current one is `unchanged`. With `force` the expected version is whatever is
   * current at the moment of the move.
   */
  async write(
    name: string,
    value: string,
    expected: string | undefined,
    options: { kmsKeyId?: string; force?: boolean } = {},
  ): Promise<AwsWriteResult> {
    const now = await this.describe(name);
    if (!now) {
      if (expected !== undefined && !options.force) return { status: 'conflict', currentVersionId: undefined };
      try {
        const r = await this.#client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: value,
            ClientRequestToken: randomUUID(),
            ...(options.kmsKeyId ? { KmsKeyId: options.kmsKeyId } : {}),
            Tags: [{ Key: 'managed-by', Value: 'envplane' }],
          }),
        );
        return { status: 'ok', versionId: r.VersionId ?? '' };
      } catch (e) {
        // Another writer created it between our look and our create.
        if (codeOf(e) === 'ResourceExistsException')
          return { status: 'conflict', currentVersionId: (await this.describe(name))?.current };
        throw this.failed(e, 'CreateSecret', name);
      }
    }
    const base = options.force ? now.current : expected;
    if (base === undefined || now.current !== base) return { status: 'conflict', currentVersionId: now.current };
    const current = await this.get(name);
    if (current && current.versionId === base && sameText(current.value, value))
      return { status: 'unchanged', versionId: base };
    let staged: string;
    try {
      const r = await this.#client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: value,
          ClientRequestToken: randomUUID(),
          VersionStages: [STAGING_LABEL],
        }),
      );
      staged = r.VersionId ?? '';
    } catch (e) {
      throw this.failed(e, 'PutSecretValue', name);
    }
    try {
      await this.#client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: staged,
          RemoveFromVersionId: base,
        }),
      );
    } catch (e) {
      // AWSCURRENT moved away from `base` after we looked: someone else won. Our version stays staged, unused.
      if (codeOf(e) === 'InvalidParameterException')
        return { status: 'conflict', currentVersionId: (await this.describe(name))?.current };
      throw this.failed(e, 'UpdateSecretVersionStage', name);
    }
    // The staging label has done its work; a version that lost a race keeps it, so it is visible as unused.
    try {
      await this.#client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: STAGING_LABEL,
          RemoveFromVersionId: staged,
        }),
      );
    } catch (e) {
      // A concurrent writer's PutSecretValue moved the label to its own version already: nothing left to remove.
      if (codeOf(e) !== 'InvalidParameterException') throw this.failed(e, 'UpdateSecretVersionStage', name);
    }
    return { status: 'ok', versionId: staged };
  }

  private failed(e: unknown, call: string, name: string): AwsError {
    const code = codeOf(e) || (e instanceof Error ? e.name : 'Error');
    const network = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|TimeoutError|EAI_AGAIN/.test(
      `${code} ${(e as NodeJS.ErrnoException).code ?? ''}`,
    );
    return new AwsError(
      code,
      name,
      network
        ? `AWS Secrets Manager: ${call} ${name}: network error ${(e as NodeJS.ErrnoException).code ?? code}${this.region ? ` (region ${this.region})` : ''}`
        : `AWS Secrets Manager: ${call} ${name}: ${code}`,
      network ? 'check the network, the region and AWS_ENDPOINT_URL' : hintFor(code),
    );
  }
}

function codeOf(e: unknown): string {
  if (typeof e !== 'object' || e === null) return '';
  const x = e as { name?: string; Code?: string; __type?: string };
  return String(x.name ?? x.Code ?? x.__type ?? '');
}

function hintFor(code: string): string | undefined {
  if (code === 'AccessDeniedException' || code === 'UnrecognizedClientException')
    return 'the identity’s IAM policy must grant this secret (`envplane render iam-policy` prints what an instance needs)';
  if (code === 'CredentialsProviderError')
    return 'no AWS credentials: set AWS_PROFILE, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair';
  if (code === 'ThrottlingException') return 'throttled after retries; try again later or with fewer parallel calls';
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Constant time for equal lengths; a length difference says nothing more than the value's length.
  return x.length === y.length && timingSafeEqual(x, y);
}
