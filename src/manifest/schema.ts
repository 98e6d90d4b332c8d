/**
 * The written form of `envplane.yaml`: what users type. The same schema validates manifests at run time and is
 * exported as JSON Schema (`schema/envplane.schema.json`) so editors complete and explain it; the descriptions
 * here are what an editor shows on hover.
 */
import * as v from 'valibot';

const name = v.pipe(v.string(), v.minLength(1));
const names = v.array(name);
const doc = <T extends v.GenericSchema>(schema: T, text: string) => v.pipe(schema, v.description(text));

export const GenerateSchema = doc(
  v.union([
    doc(
      v.string(),
      '`base64:N` (N random bytes, default 32), `hex:N` (N bytes), `password:N[:charset]` (N characters), or `uuid`',
    ),
    v.strictObject({
      kind: v.picklist(['base64', 'hex', 'password', 'uuid']),
      length: v.optional(doc(v.pipe(v.number(), v.integer()), 'Bytes for base64/hex, characters for password')),
      charset: v.optional(doc(name, 'Alphabet for `password` (default: letters, digits and `-_.~`)')),
    }),
  ]),
  'How `envplane setup` and `rotate` generate the value (CSPRNG; at least 128 bits)',
);

export const SecretStoreSchema = doc(
  v.variant('store', [
    v.strictObject({
      store: doc(v.literal('files'), 'Secret values in files, as `secrets/<name>.txt`'),
      dir: v.optional(doc(name, 'Directory of the secret files, relative to envplane.yaml'), 'secrets'),
      pattern: v.optional(doc(name, 'File name inside `dir`; `{name}` is the secret name'), '{name}.txt'),
      tenantPattern: v.optional(
        doc(name, 'File name of a per-tenant secret; `{tenant}` and `{name}`'),
        '{tenant}/{name}.txt',
      ),
    }),
    v.strictObject({
      store: doc(v.literal('external'), 'Secrets created outside envplane (Compose/Swarm `external: true`)'),
      prefix: v.optional(doc(v.string(), 'Name prefix, e.g. `Reactrine_`'), ''),
      pattern: v.optional(doc(name, 'External name; `{prefix}` and `{name}`'), '{prefix}{name}'),
      tenantPattern: v.optional(doc(name, 'External name of a per-tenant secret'), '{prefix}{tenant}_{name}'),
      arn: v.optional(
        doc(
          name,
          '`render ecs`: the `valueFrom` of each secret; `{region}` `{account}` `{prefix}` `{name}` `{tenant}` `{secret}` (default: `arn:aws:secretsmanager:{region}:{account}:secret:{secret}`; `--arn-template` overrides)',
        ),
      ),
    }),
    v.strictObject({
      store: doc(
        v.literal('vault'),
        'HashiCorp Vault, KV version 2: one entry `{value}` per secret (docs/stores/vault.md)',
      ),
      address: v.optional(doc(name, 'The Vault address (default: VAULT_ADDR)')),
      mount: v.optional(doc(name, 'The KV v2 mount'), 'secret'),
      path: v.optional(doc(name, 'Entry path below the mount; `{project}` `{env}` `{name}`'), '{project}/{env}/{name}'),
      tenantPath: v.optional(
        doc(name, 'Entry path of a per-tenant secret; `{project}` `{env}` `{tenant}` `{name}`'),
        '{project}/{env}/{tenant}/{name}',
      ),
      namespace: v.optional(doc(name, 'Vault Enterprise/HCP namespace (VAULT_NAMESPACE overrides)')),
    }),
    v.strictObject({
      store: doc(v.literal('aws'), 'AWS Secrets Manager: one secret per secret (docs/stores/aws.md)'),
      region: v.optional(doc(name, 'AWS region (default: the SDK’s, e.g. AWS_REGION)')),
      name: v.optional(doc(name, 'Secret name; `{project}` `{env}` `{name}`'), '{project}/{env}/{name}'),
      tenantName: v.optional(
        doc(name, 'Secret name of a per-tenant secret; `{project}` `{env}` `{tenant}` `{name}`'),
        '{project}/{env}/{tenant}/{name}',
      ),
      kmsKeyId: v.optional(
        doc(name, 'KMS key for new secrets (id, alias or ARN); `render iam-policy` grants kms:Decrypt on it'),
      ),
    }),
  ]),
  'Where this environment’s secret values live (default: `{ store: files, dir: secrets }`)',
);

export const EnvironmentSchema = v.strictObject({
  aliases: v.optional(doc(names, 'Other names for this environment, e.g. `[dev]`'), []),
  config: v.optional(doc(names, 'Config layer files, lowest precedence first (later files win)'), []),
  secrets: v.optional(SecretStoreSchema, { store: 'files' }),
});

export const PlaneSchema = doc(
  v.picklist(['build', 'config', 'public', 'secret']),
  '`config`: non-secret runtime config; `public`: config that may reach a browser; `secret`: runtime secret delivered as a file; `build`: BuildKit build secret',
);

export const KeySchema = v.union([
  PlaneSchema,
  v.strictObject({
    plane: PlaneSchema,
    description: v.optional(doc(v.string(), 'What the key is for; shown in templates and reports')),
    required: v.optional(doc(v.boolean(), 'A missing value is an error (default: true for secrets, false otherwise)')),
    default: v.optional(
      doc(v.union([v.string(), v.number(), v.boolean()]), 'Lowest-precedence value (config and public keys only)'),
    ),
    perTenant: v.optional(doc(v.boolean(), 'One value per tenant (default false)'), false),
    generate: v.optional(GenerateSchema),
    fileEnv: v.optional(doc(name, 'Variable that points at the secret file (default `<NAME>_FILE`)')),
    maxAge: v.optional(
      doc(v.union([v.pipe(v.number(), v.integer()), name]), 'Days before `check` asks for rotation (`90` or `90d`)'),
    ),
  }),
]);

/** A program and its arguments, never run through a shell: a list, or one string split at spaces. */
const CommandSchema = doc(
  v.union([v.pipe(v.string(), v.minLength(1)), v.pipe(v.array(v.string()), v.minLength(1))]),
  'What `envplane start` runs for each instance: `[program, arg, …]` (or one string split at spaces; no shell). `{tenant}`, `{port}`, `{service}`, `{instance}` and `{env}` are substituted',
);

export const ServiceSchema = v.strictObject({
  uses: v.optional(
    doc(names, 'Config, public and secret keys the service reads at run time; it receives nothing else'),
    [],
  ),
  build: v.optional(doc(names, 'Build secrets its image build needs (BuildKit `--mount=type=secret`)'), []),
  perTenant: v.optional(doc(v.boolean(), 'Run one instance per tenant, e.g. `etl@wex` (default false)'), false),
  tenants: v.optional(doc(names, 'Tenants this service runs for (default: all)')),
  public: v.optional(doc(v.boolean(), 'Ships to browsers: must not use secrets (default false)'), false),
  config: v.optional(
    doc(names, 'The service’s own layer files after the environment’s; `{env}` and `{tenant}` are substituted'),
    [],
  ),
  command: v.optional(CommandSchema),
  port: v.optional(
    doc(
      v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
      'Base port for `{port}`: instance N of the service (in `tenants` order, from 0) gets port + N (default: a free port chosen at start)',
    ),
  ),
  ready: v.optional(
    doc(
      v.union([v.picklist(['port', 'none']), v.strictObject({ command: CommandSchema })]),
      '`envplane start` readiness: `port` (the `{port}` accepts connections; the default when the command uses `{port}`), `none`, or `{ command: [...] }` (exit 0 means ready)',
    ),
  ),
  cwd: v.optional(
    doc(name, 'Folder `envplane start` runs the command in, relative to the project (default: the project)'),
  ),
});

export const SilenceSchema = v.strictObject({
  rule: doc(name, 'Rule id, as `envplane check` prints it'),
  reason: doc(v.pipe(v.string(), v.minLength(1)), 'Why this finding is acceptable (required)'),
  key: v.optional(doc(name, 'Only for this key')),
  service: v.optional(doc(name, 'Only for this service')),
  file: v.optional(doc(name, 'Only for this file')),
});

export const ManifestSchema = v.strictObject({
  $schema: v.optional(v.string()),
  project: doc(name, 'Project name; used in rendered names'),
  environments: doc(v.record(name, EnvironmentSchema), 'Environments by name, e.g. `development`, `production`'),
  tenants: v.optional(doc(names, 'Clients of multi-tenant services, e.g. `[wex, techcorp, acme]`'), []),
  keys: v.optional(doc(v.record(name, KeySchema), 'Every key: `NAME: <plane>` or `NAME: { plane, ... }`'), {}),
  services: v.optional(doc(v.record(name, ServiceSchema), 'Services and the keys each may read'), {}),
  silence: v.optional(doc(v.array(SilenceSchema), 'Rules silenced on purpose, each with a reason'), []),
});

export type WrittenManifest = v.InferOutput<typeof ManifestSchema>;
export type WrittenKey = v.InferOutput<typeof KeySchema>;
