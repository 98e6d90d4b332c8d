/**
 * Reading a Dockerfile for `check`: the `# syntax=` parser directive, ENV/ARG names (values reduced to a digest and a
 * shape), and `RUN --mount=type=secret` options. Pure; the caller reads the file.
 */
import { createHash } from 'node:crypto';
import { looksLikeSecretValue } from './_value-shape.ts';
import type { DockerfileFact } from './types.ts';

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0]!) ? v.slice(1, -1) : v;
}

/** Parser directives come first; an empty line, a plain comment or an instruction ends them (BuildKit's rule). */
function syntaxOf(lines: string[]): DockerfileFact['syntax'] {
  for (const [i, line] of lines.entries()) {
    const m = /^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) return undefined;
    if (m[1]!.toLowerCase() !== 'syntax') continue;
    const image = m[2]!;
    const v = /:(\d+)\.(\d+)/.exec(image);
    return { line: i + 1, image, ...(v ? { version: [Number(v[1]), Number(v[2])] as [number, number] } : {}) };
  }
  return undefined;
}

/** Logical instructions: continuation lines joined, comment lines dropped, each with its first line number. */
function instructions(lines: string[]): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line)) continue;
    if (!current) {
      if (line.trim() === '') continue;
      current = { line: i + 1, text: '' };
    }
    const continues = line.endsWith('\\');
    current.text += `${continues ? line.slice(0, -1) : line} `;
    if (!continues) {
      out.push(current);
      current = undefined;
    }
  }
  if (current) out.push(current);
  return out;
}

function variables(kind: 'ENV' | 'ARG', rest: string, line: number): DockerfileFact['variables'] {
  const described = (name: string, value: string | undefined) => ({
    line,
    kind,
    name,
    ...(value !== undefined && value !== '' ? { digest: digest(value) } : {}),
    looksSecret: value !== undefined && looksLikeSecretValue(value),
  });
  const body = rest.trim();
  if (kind === 'ENV' && /^[A-Za-z_][A-Za-z0-9_]*\s+[^=\s]/.test(body) && !/^\S+=/.test(body)) {
    const [name, ...value] = body.split(/\s+/);
    return [described(name!, unquote(value.join(' ')))];
  }
  const pairs = body.match(/[A-Za-z_][A-Za-z0-9_]*(=("[^"]*"|'[^']*'|\S*))?/g) ?? [];
  return pairs.map((pair) => {
    const at = pair.indexOf('=');
    return at === -1 ? described(pair, undefined) : described(pair.slice(0, at), unquote(pair.slice(at + 1)));
  });
}

function secretMounts(rest: string, line: number): DockerfileFact['secretMounts'] {
  const mounts: DockerfileFact['secretMounts'] = [];
  for (const m of rest.matchAll(/--mount=(\S+)/g)) {
    const options = new Map(
      m[1]!.split(',').map((o) => {
        const at = o.indexOf('=');
        return at === -1 ? ([o, ''] as const) : ([o.slice(0, at), o.slice(at + 1)] as const);
      }),
    );
    if (options.get('type') !== 'secret') continue;
    const id = options.get('id') ?? options.get('target')?.split('/').pop() ?? '';
    const env = options.get('env');
    mounts.push({ line, id, ...(env !== undefined ? { env } : {}) });
  }
  return mounts;
}

export function parseDockerfile(text: string, path: string): DockerfileFact {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const fact: DockerfileFact = { path, variables: [], secretMounts: [] };
  const syntax = syntaxOf(lines);
  if (syntax) fact.syntax = syntax;
  for (const { line, text: instruction } of instructions(lines)) {
    const m = /^\s*(\w+)\s+(.*)$/s.exec(instruction);
    if (!m) continue;
    const word = m[1]!.toUpperCase();
    if (word === 'ENV' || word === 'ARG') fact.variables.push(...variables(word, m[2]!, line));
    else if (word === 'RUN') fact.secretMounts.push(...secretMounts(m[2]!, line));
  }
  return fact;
}
