/** The manifest's JSON Schema, derived from the valibot schema (build time and tests only: not in the CLI bundle). */
import { toJsonSchema } from '@valibot/to-json-schema';
import { ManifestSchema } from './schema.ts';

export function manifestJsonSchema(): Record<string, unknown> {
  const schema = toJsonSchema(ManifestSchema, { errorMode: 'ignore' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'envplane.yaml',
    description: 'The envplane manifest: environments, tenants, keys and the services that use them.',
  };
}
