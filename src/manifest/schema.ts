/**
 * The written form of `envplane.yaml`: what users type. The same schema validates manifests at run time and is
 * exported as JSON Schema (`schema/envplane.schema.json`) so editors complete and check it.
 */
import * as v from 'valibot';

const name = v.pipe(v.string(), v.minLength(1));
const names = v.array(name);

/** `base64:32`, `hex:16`, `password:24`, `uuid`, or the object form. */
export const GenerateSchema = v.union([
  v.pipe(
    v.string(),
    v.description('`base64:N` (bytes, default 32), `hex:N` (bytes), `password:N` (characters), `uuid`'),
  ),
  v.strictObject({
    kind: v.picklist(['base64', 'hex', 'password', 'uuid']),
    length: v.optional(v.pipe(v.number(), v.integer())),
    charset: v.optional(name),
  }),
]);

export const SecretStoreSchema = v.variant('store', [
  v.strictObject({
    store: v.literal('files'),
    dir: v.optional(name, 'secrets'),
    pattern: v.optional(name, '{name}.txt'),
    tenantPattern: v.optional(name, '{tenant}/{name}.txt'),
  }),
  v.strictObject({
    store: v.literal('external'),
    prefix: v.optional(v.string(), ''),
    pattern: v.optional(name, '{prefix}{name}'),
    tenantPattern: v.optional(name, '{prefix}{tenant}_{name}'),
  }),
]);

export const EnvironmentSchema = v.strictObject({
  aliases: v.optional(names, []),
  config: v.optional(names, []),
  secrets: v.optional(SecretStoreSchema, { store: 'files' }),
});

export const PlaneSchema = v.picklist(['build', 'config', 'public', 'secret']);

export const KeySchema = v.union([
  PlaneSchema,
  v.strictObject({
    plane: PlaneSchema,
    description: v.optional(v.string()),
    required: v.optional(v.boolean()),
    default: v.optional(v.union([v.string(), v.number(), v.boolean()])),
    perTenant: v.optional(v.boolean(), false),
    generate: v.optional(GenerateSchema),
    fileEnv: v.optional(name),
    maxAge: v.optional(v.union([v.pipe(v.number(), v.integer()), name])),
  }),
]);

export const ServiceSchema = v.strictObject({
  uses: v.optional(names, []),
  build: v.optional(names, []),
  perTenant: v.optional(v.boolean(), false),
  tenants: v.optional(names),
  public: v.optional(v.boolean(), false),
  config: v.optional(names, []),
});

export const SilenceSchema = v.strictObject({
  rule: name,
  reason: v.pipe(v.string(), v.minLength(1)),
  key: v.optional(name),
  service: v.optional(name),
  file: v.optional(name),
});

export const ManifestSchema = v.strictObject({
  $schema: v.optional(v.string()),
  project: name,
  environments: v.record(name, EnvironmentSchema),
  tenants: v.optional(names, []),
  keys: v.optional(v.record(name, KeySchema), {}),
  services: v.optional(v.record(name, ServiceSchema), {}),
  silence: v.optional(v.array(SilenceSchema), []),
});

export type WrittenManifest = v.InferOutput<typeof ManifestSchema>;
export type WrittenKey = v.InferOutput<typeof KeySchema>;
