/** The secret files in scope, each once, with the instances and environments that read it. */
import type { SecretLocation } from '../resolve/types.ts';
import type { CheckInput } from './types.ts';

export interface SecretFileUse {
  path: string;
  name: string;
  environments: string[];
  instances: string[];
}

/** Four rules ask for the same list; an input is never changed once gathered. */
const cache = new WeakMap<CheckInput, SecretFileUse[]>();

export function secretFilesInScope(input: CheckInput): SecretFileUse[] {
  const cached = cache.get(input);
  if (cached) return cached;
  const files = new Map<string, SecretFileUse>();
  const add = (name: string, location: SecretLocation, environment: string, instance: string) => {
    if (location.kind !== 'file') return;
    let use = files.get(location.path);
    if (!use) {
      use = { path: location.path, name, environments: [], instances: [] };
      files.set(location.path, use);
    }
    if (!use.environments.includes(environment)) use.environments.push(environment);
    if (!use.instances.includes(instance)) use.instances.push(instance);
  };
  for (const b of input.bundles) {
    for (const s of b.secrets) add(s.name, s.location, b.environment, b.instance.id);
    for (const s of b.build) add(s.id, s.location, b.environment, b.instance.id);
  }
  const list = [...files.values()];
  cache.set(input, list);
  return list;
}

export interface SecretEnvFile {
  file: string;
  /** Secret names whose values sit in the file, and the location ids that carry their git facts. */
  secrets: string[];
  ids: string[];
}

/** Env files (layers) that hold secret values, each once: committing one commits those secrets. */
export function secretEnvFilesInScope(input: CheckInput): SecretEnvFile[] {
  const files = new Map<string, SecretEnvFile>();
  for (const b of input.bundles)
    for (const s of b.secrets) {
      if (s.location.kind !== 'layer') continue;
      let entry = files.get(s.location.file);
      if (!entry) {
        entry = { file: s.location.file, secrets: [], ids: [] };
        files.set(s.location.file, entry);
      }
      if (!entry.secrets.includes(s.name)) entry.secrets.push(s.name);
      const id = `layer:${s.location.file}:${s.location.line}`;
      if (!entry.ids.includes(id)) entry.ids.push(id);
    }
  return [...files.values()];
}
