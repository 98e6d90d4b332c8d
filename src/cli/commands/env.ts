import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { resolveBundle } from '../../resolve/bundle.ts';
import type { Bundle, Provenance, SecretLocation } from '../../resolve/types.ts';
import { dirArg, envArg, instanceArgs, jsonArg } from '../_args.ts';
import { loadInstanceCached } from '../_context-cached.ts';
import { writeStdout } from '../_output.ts';
import { style } from '../_style.ts';

export default defineCommand({
  meta: {
    name: 'env',
    description: 'Print what one instance receives in an environment (secrets as paths, never values)',
  },
  args: { ...envArg, ...instanceArgs, ...jsonArg, ...dirArg },
  async run({ args }) {
    const { project, environment, instance } = await loadInstanceCached(args);
    const bundle = resolveBundle(project.manifest, project.layers, environment, instance);
    const present = (location: SecretLocation) => isPresent(project.root, location);
    writeStdout(args.json ? `${JSON.stringify(bundleJson(bundle, present), null, 2)}\n` : bundleText(bundle, present));
  },
});

/**
 * Whether a secret's value is there, told without reading it: a files-store file that exists and is not empty (a
 * layer line always is); undefined for an external secret, which envplane cannot see, and for a managed store's
 * (age, vault, …), which `env` does not open.
 */
type Presence = (location: SecretLocation) => boolean | undefined;

function isPresent(root: string, location: SecretLocation): boolean | undefined {
  if (location.kind === 'layer') return true;
  if (location.kind !== 'file') return undefined;
  const st = lstatSync(join(root, location.path), { throwIfNoEntry: false });
  return st?.isFile() === true && st.size > 0;
}

/** The documented JSON shape of `envplane env --json` (README: "env --json"). */
export function bundleJson(bundle: Bundle, present?: Presence) {
  return {
    environment: bundle.environment,
    instance: { id: bundle.instance.id, service: bundle.instance.service, tenant: bundle.instance.tenant ?? null },
    layers: bundle.layers,
    config: Object.fromEntries(
      bundle.config.map((c) => [
        c.key,
        {
          value: c.value ?? null,
          plane: c.plane,
          source: sourceJson(c.source),
          shadowed: c.shadowed.map((s) => ({ file: s.file, line: s.line })),
        },
      ]),
    ),
    secrets: bundle.secrets.map((s) => ({
      name: s.name,
      tenant: s.tenant ?? null,
      path: s.target,
      env: s.fileEnv,
      from: locationJson(s.location),
      required: s.required,
      ...(present ? { present: present(s.location) ?? null } : {}),
    })),
    build: bundle.build.map((b) => ({
      id: b.id,
      from: locationJson(b.location),
      required: b.required,
      ...(present ? { present: present(b.location) ?? null } : {}),
    })),
  };
}

function sourceJson(source: Provenance) {
  if (source.kind === 'layer') return { file: source.file, line: source.line };
  if (source.kind === 'default') return { file: source.file, line: source.position?.line ?? null, default: true };
  return null;
}

function locationJson(location: SecretLocation) {
  switch (location.kind) {
    case 'file':
      return { store: 'files', file: location.path };
    case 'external':
      return { store: 'external', name: location.name };
    case 'store':
      return { store: location.store, ref: location.ref };
    case 'layer':
      return { store: 'layer', file: location.file, line: location.line };
  }
}

function bundleText(bundle: Bundle, present: Presence): string {
  const lines = [
    `${style.bold(bundle.instance.id)} in ${style.bold(bundle.environment)}`,
    `${style.dim('layers:')} ${bundle.layers.join(', ') || '(none)'}`,
  ];
  if (bundle.config.length > 0) lines.push('', style.bold('config'));
  const width = Math.max(0, ...bundle.config.map((c) => c.key.length));
  for (const c of bundle.config) {
    const value = c.value === undefined ? style.yellow('(unset)') : JSON.stringify(c.value);
    const where =
      c.source.kind === 'layer' ? `${c.source.file}:${c.source.line}` : c.source.kind === 'default' ? 'default' : '';
    const shadow = c.shadowed.length > 0 ? ` (over ${c.shadowed.map((s) => `${s.file}:${s.line}`).join(', ')})` : '';
    lines.push(
      `  ${c.key.padEnd(width)}  ${value}${c.plane === 'public' ? style.cyan(' public') : ''}  ${style.dim(where + shadow)}`,
    );
  }
  if (bundle.secrets.length > 0)
    lines.push('', style.bold('secrets') + style.dim(' (values hidden; files at run time)'));
  for (const s of bundle.secrets) {
    const value = presenceText(present(s.location), s.required, s.location.kind);
    lines.push(`  ${s.name}  ${value}  ${s.fileEnv}=${s.target}  ${style.dim(`from ${locationText(s.location)}`)}`);
  }
  if (bundle.build.length > 0) lines.push('', style.bold('build secrets') + style.dim(' (BuildKit, build time only)'));
  for (const b of bundle.build)
    lines.push(
      `  ${b.id}  ${presenceText(present(b.location), b.required, b.location.kind)}  ${style.dim(`from ${locationText(b.location)}`)}`,
    );
  return `${lines.join('\n')}\n`;
}

/** `******` for a value that is there (hidden), never for one that is not. */
function presenceText(present: boolean | undefined, required: boolean, kind: SecretLocation['kind']): string {
  if (present === undefined) return style.dim(kind === 'external' ? '(external)' : '(in the store)');
  if (present) return '******';
  return required ? style.red('(missing)') : style.dim('(absent, optional: not delivered)');
}

function locationText(location: SecretLocation): string {
  if (location.kind === 'file') return location.path;
  if (location.kind === 'external') return `external secret ${location.name}`;
  if (location.kind === 'store') return location.ref;
  return `${location.file}:${location.line} ${style.yellow('(a secret in a config file)')}`;
}
