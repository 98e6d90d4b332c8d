/**
 * Why an instance gets the value it gets: every layer that sets the key, which one wins, and what it shadows.
 * The seeds' "check config precedence" troubleshooting step, as data. Secret values never enter the result.
 */
import type { Environment, Manifest, Plane } from '../manifest/types.ts';
import { resolveBundle, type LayerSet } from './bundle.ts';
import { entriesInStack, layersFor } from './layers.ts';
import type { Instance, Provenance, SecretRef } from './types.ts';

export interface ExplainSetting {
  file: string;
  line: number;
  /**
   * Absent for secrets, and for keys the manifest does not declare (nothing says they are not secret): a value that
   * may be secret is never copied into an explanation, unless `reveal` asks for undeclared ones.
   */
  value?: string;
  wins: boolean;
  /** Variables of the caller's environment (`process.env`) the value was interpolated with, or inherited from. */
  shell?: string[];
}

export interface Explanation {
  key: string;
  environment: string;
  instance: Instance;
  /** Undefined when the manifest does not know the key. */
  plane?: Plane;
  declared: boolean;
  /** The instance's layers, lowest precedence first. */
  layers: string[];
  /** Assignments in those layers, in precedence order; the last one wins. */
  settings: ExplainSetting[];
  /** Assignments in layer files this instance does not read (other services' or tenants' files). */
  elsewhere: { file: string; line: number }[];
  outcome: 'layer' | 'default' | 'unset' | 'secret-store' | 'secret-in-layer' | 'build-secret' | 'not-declared';
  source?: Provenance;
  secret?: SecretRef;
}

export function explainKey(
  manifest: Manifest,
  layers: LayerSet,
  environment: Environment,
  instance: Instance,
  keyName: string,
  options: { revealUndeclared?: boolean } = {},
): Explanation {
  const key = manifest.keys[keyName];
  const service = manifest.services[instance.service]!;
  const stack = layersFor(manifest, environment, instance).map((l) => l.path);
  const isSecret =
    key?.plane === 'secret' || key?.plane === 'build' || (key === undefined && options.revealUndeclared !== true);
  const settings: ExplainSetting[] = [];
  for (const [index, file] of stack.entries())
    for (const entry of entriesInStack(layers, stack, index) ?? [])
      if (entry.key === keyName)
        settings.push({
          file,
          line: entry.line,
          wins: false,
          ...(isSecret ? {} : { value: entry.value }),
          ...(entry.fromLookup ? { shell: entry.fromLookup } : {}),
        });
  const elsewhere = Object.entries(layers)
    .filter(([file]) => !stack.includes(file))
    .flatMap(([file, entries]) =>
      (entries ?? []).filter((e) => e.key === keyName).map((e) => ({ file, line: e.line })),
    );
  const declared = service.uses.includes(keyName) || service.build.includes(keyName);
  const base = { key: keyName, environment: environment.name, instance, declared, layers: stack, settings, elsewhere };
  const withPlane = key ? { ...base, plane: key.plane } : base;
  if (!declared) return { ...withPlane, outcome: 'not-declared' };

  const last = settings[settings.length - 1];
  if (last) last.wins = true;
  if (key!.plane === 'build') return { ...withPlane, outcome: 'build-secret' };
  const bundle = resolveBundle(manifest, layers, environment, instance);
  if (key!.plane === 'secret') {
    const secret = bundle.secrets.find((s) => s.name === keyName)!;
    return { ...withPlane, outcome: secret.location.kind === 'layer' ? 'secret-in-layer' : 'secret-store', secret };
  }
  const value = bundle.config.find((c) => c.key === keyName)!;
  return { ...withPlane, outcome: value.source.kind, source: value.source };
}
