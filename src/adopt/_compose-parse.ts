/**
 * One Compose file's text → what it grants (env files, environment, secrets, build secrets), each with its line, and
 * the merge of several files as `docker compose -f a -f b` does it. Only the parts envplane reasons about are read;
 * everything else (ports, volumes, x-* fields) is ignored. Pure: text in, data out.
 */
import { posix } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { lineAt, parseComposeYaml } from './_compose-yaml.ts';
import type {
  ComposeBuildSecret,
  ComposeEnvFile,
  ComposeModel,
  ComposeSecret,
  ComposeService,
  ComposeServiceSecret,
  ComposeVariable,
} from './compose-model.ts';

type Path = (string | number)[];

export function parseComposeText(text: string, file: string): ComposeModel {
  const { data, lines } = parseComposeYaml(text, file);
  const line = (path: Path) => lineAt(lines, path);
  const fail = (path: Path, message: string, hint: string): never => {
    throw new EnvplaneError('input', message, { location: { file, line: line(path) }, hint });
  };
  const model: ComposeModel = { files: [file], services: {}, secrets: {} };
  if (data === null || data === undefined) return model;
  if (!isRecord(data)) return fail([], 'a compose file must be a mapping', 'start it with `services:`');

  const services = data.services ?? {};
  if (!isRecord(services)) fail(['services'], '`services` must be a mapping of service names', 'write `services:`');
  for (const [name, raw] of Object.entries(services as Record<string, unknown>)) {
    const at: Path = ['services', name];
    const s = raw ?? {};
    if (!isRecord(s)) fail(at, `service "${name}" must be a mapping`, 'indent its fields under the name');
    const service = s as Record<string, unknown>;
    model.services[name] = {
      name,
      file,
      line: line(at),
      complete: service.image !== undefined || service.build !== undefined,
      builds: service.build !== undefined && service.build !== null,
      envFiles: envFiles(service.env_file, [...at, 'env_file'], file, line, fail),
      environment: environment(service.environment, [...at, 'environment'], file, line, fail),
      secrets: serviceSecrets(service.secrets, [...at, 'secrets'], file, line, fail),
      buildSecrets: buildSecrets(service.build, [...at, 'build'], file, line, fail),
    };
  }

  const secrets = data.secrets ?? {};
  if (!isRecord(secrets)) fail(['secrets'], '`secrets` must be a mapping of secret names', 'write `secrets:`');
  for (const [name, raw] of Object.entries(secrets as Record<string, unknown>)) {
    const at: Path = ['secrets', name];
    const s = raw ?? {};
    if (!isRecord(s))
      fail(at, `secret "${name}" must be a mapping`, 'write `file:`, `environment:` or `external: true`');
    model.secrets[name] = topSecret(name, s as Record<string, unknown>, file, line(at));
  }
  return model;
}

type Line = (path: Path) => number;
type Fail = (path: Path, message: string, hint: string) => never;

function envFiles(value: unknown, at: Path, file: string, line: Line, fail: Fail): ComposeEnvFile[] {
  if (value === undefined || value === null) return [];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (!items) return fail(at, '`env_file` must be a path or a list', 'write `env_file: [config/common.env]`');
  return items.map((item, i) => {
    const here = typeof value === 'string' ? at : [...at, i];
    if (typeof item === 'string') return { path: projectPath(item), required: true, file, line: line(here) };
    if (!isRecord(item) || typeof item.path !== 'string')
      return fail(here, '`env_file` entries are paths or `{path, required}`', 'write `- path: config/common.env`');
    const entry: ComposeEnvFile = {
      path: projectPath(item.path),
      required: item.required !== false,
      file,
      line: line(here),
    };
    if (typeof item.format === 'string') entry.format = item.format;
    return entry;
  });
}

function environment(value: unknown, at: Path, file: string, line: Line, fail: Fail): ComposeVariable[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value))
    return value.map((item, i) => {
      if (typeof item !== 'string') fail([...at, i], '`environment` list entries are `KEY=value`', 'quote the entry');
      const text = item as string;
      const eq = text.indexOf('=');
      const variable: ComposeVariable = { key: eq < 0 ? text : text.slice(0, eq), file, line: line([...at, i]) };
      if (eq >= 0) variable.value = text.slice(eq + 1);
      return variable;
    });
  if (!isRecord(value)) return fail(at, '`environment` must be a mapping or a list', 'write `KEY: value` entries');
  return Object.entries(value).map(([key, v]) => {
    const variable: ComposeVariable = { key, file, line: line([...at, key]) };
    if (v !== null && v !== undefined) variable.value = String(v);
    return variable;
  });
}

function serviceSecrets(value: unknown, at: Path, file: string, line: Line, fail: Fail): ComposeServiceSecret[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(at, 'service `secrets` must be a list', 'write `secrets: [name]`');
  return value.map((item, i) => {
    const here = [...at, i];
    if (typeof item === 'string') return { source: item, target: secretTarget(item), file, line: line(here) };
    if (!isRecord(item) || typeof item.source !== 'string')
      return fail(here, 'a long-form secret needs `source:`', 'write `- source: name` (and optionally `target:`)');
    const target = typeof item.target === 'string' ? item.target : item.source;
    return { source: item.source, target: secretTarget(target), file, line: line(here) };
  });
}

function buildSecrets(build: unknown, at: Path, file: string, line: Line, fail: Fail): ComposeBuildSecret[] {
  if (!isRecord(build) || build.secrets === undefined || build.secrets === null) return [];
  if (!Array.isArray(build.secrets))
    return fail([...at, 'secrets'], '`build.secrets` must be a list', 'write `secrets: [name]`');
  return build.secrets.map((item, i) => {
    const here = [...at, 'secrets', i];
    if (typeof item === 'string') return { source: item, file, line: line(here) };
    if (!isRecord(item) || typeof item.source !== 'string')
      return fail(here, 'a long-form build secret needs `source:`', 'write `- source: name`');
    return { source: item.source, file, line: line(here) };
  });
}

function topSecret(name: string, s: Record<string, unknown>, file: string, line: number): ComposeSecret {
  const secret: ComposeSecret = { name, file, line, external: false };
  if (typeof s.file === 'string') secret.path = projectPath(s.file);
  if (typeof s.environment === 'string') secret.environment = s.environment;
  if (s.external === true) secret.external = true;
  if (isRecord(s.external)) {
    // Deprecated `external: {name: x}`: Compose rewrites it to `name: x` + `external: true`.
    secret.external = true;
    if (typeof s.external.name === 'string') secret.externalName = s.external.name;
  }
  if (typeof s.name === 'string') secret.externalName = s.name;
  return secret;
}

/** Compose's rule: the default target is `/run/secrets/<source>`, and a relative target goes under it. */
export function secretTarget(target: string): string {
  return target.startsWith('/') ? target : `/run/secrets/${target}`;
}

/** `./config/../config/dev.env` → `config/dev.env`; absolute paths and `${VAR}` stay as written. */
export function projectPath(path: string): string {
  if (path.startsWith('/')) return path;
  const normalized = posix.normalize(path.replaceAll('\\', '/'));
  return normalized === '.' ? '' : normalized.replace(/\/$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Later files override earlier ones as `docker compose -f a -f b` does: a service's fields merge, `env_file` entries
 * append (a repeated path moves to its later place), `environment` merges by name (later wins), service and build
 * secrets merge by source (later wins), top-level secrets merge field by field.
 */
export function mergeCompose(models: readonly ComposeModel[]): ComposeModel {
  const merged: ComposeModel = { files: [], services: {}, secrets: {} };
  for (const model of models) {
    merged.files.push(...model.files);
    for (const [name, service] of Object.entries(model.services)) {
      const base = merged.services[name];
      merged.services[name] = base ? mergeService(base, service) : cloneService(service);
    }
    for (const [name, secret] of Object.entries(model.secrets)) {
      const base = merged.secrets[name];
      merged.secrets[name] = base ? { ...base, ...secret, file: base.file, line: base.line } : { ...secret };
    }
  }
  return merged;
}

function mergeService(base: ComposeService, over: ComposeService): ComposeService {
  return {
    ...base,
    complete: base.complete || over.complete,
    builds: base.builds || over.builds,
    envFiles: [...base.envFiles.filter((e) => !over.envFiles.some((o) => o.path === e.path)), ...over.envFiles],
    environment: mergeBy(base.environment, over.environment, (v) => v.key),
    secrets: mergeBy(base.secrets, over.secrets, (s) => s.source),
    buildSecrets: mergeBy(base.buildSecrets, over.buildSecrets, (s) => s.source),
  };
}

function mergeBy<T>(base: readonly T[], over: readonly T[], id: (item: T) => string): T[] {
  const out = base.map((item) => over.find((o) => id(o) === id(item)) ?? item);
  for (const item of over) if (!base.some((b) => id(b) === id(item))) out.push(item);
  return out;
}

function cloneService(service: ComposeService): ComposeService {
  return {
    ...service,
    envFiles: [...service.envFiles],
    environment: [...service.environment],
    secrets: [...service.secrets],
    buildSecrets: [...service.buildSecrets],
  };
}
