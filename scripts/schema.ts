// Writes schema/envplane.schema.json from the valibot schema that validates manifests at run time, so that the
// editor's view of envplane.yaml and envplane's own can never disagree. A test fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { manifestJsonSchema } from '../src/manifest/json-schema.ts';

writeFileSync(
  new URL('../schema/envplane.schema.json', import.meta.url),
  `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`,
);
