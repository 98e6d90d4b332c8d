/**
 * A layer's committed template (`.env.shared.example` beside `.env.shared`, or one template shared by the tenants'
 * files: `.env.etl.example` for `.env.etl.{tenant}`) must name the same keys as the layer: a key added to the layer
 * and not to the template is missing on every fresh clone; a key in the template that the layer lacks is a promise
 * the layer breaks. Keys only: values of layers and templates differ by design.
 */
import type { Finding, Rule } from './types.ts';

export const layerTemplateDrift: Rule<'layer-template-drift'> = {
  id: 'layer-template-drift',
  severity: 'warning',
  title: 'Layer and its template name different keys',
  why: 'The template is what a new clone starts from: a key it lacks is missing for everyone who sets up from it, and a key only it has is one the real layer forgot.',
  hint: 'add the key to the other file (a placeholder value in the template), or remove it from both',
  run({ layers, layerTemplates }) {
    const found: Finding[] = [];
    for (const t of layerTemplates) {
      const inTemplate = new Map<string, number>();
      for (const k of t.keys) if (!inTemplate.has(k.key)) inTemplate.set(k.key, k.line);
      for (const layer of t.layers) {
        const entries = layers[layer];
        if (!entries) continue; // layer-missing reports a missing layer
        const inLayer = new Map<string, number>();
        for (const e of entries) if (!inLayer.has(e.key)) inLayer.set(e.key, e.line);
        for (const [key, line] of inLayer)
          if (!inTemplate.has(key))
            found.push({
              message: `${key} is set in ${layer} but missing from its template ${t.path}: a clone set up from the template lacks it`,
              location: { file: layer, line },
              related: [{ file: t.path }],
              key,
              hint: `add \`${key}=\` with a placeholder value to ${t.path}, or remove ${key} from ${layer}`,
            });
        for (const [key, line] of inTemplate)
          if (!inLayer.has(key))
            found.push({
              message: `${key} is in the template ${t.path} but ${layer} does not set it`,
              location: { file: t.path, line },
              related: [{ file: layer }],
              key,
              hint: `set ${key} in ${layer}, or remove it from ${t.path}`,
            });
      }
    }
    return found;
  },
};
