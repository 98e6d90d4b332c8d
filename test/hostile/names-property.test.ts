/**
 * Hostile names through every renderer (issue 12 item 1), fast-check with a fixed seed. One slot of a manifest
 * (project, environment, alias, tenant, service, keys, fileEnv, store dir and patterns, prefix, layer templates)
 * takes a name built from shell and YAML specials, `..`, `/`, newlines. Either normalization refuses it with a
 * located input error, or every renderer's output parses (YAML, JSON, `bash -n`), every shell line is made only of
 * plain words and single-quoted strings (nothing bash would expand or run), and every path stays inside the project.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isAbsolute, posix } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { EnvplaneError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { listInstances } from '../../src/resolve/instances.ts';
import { layersFor } from '../../src/resolve/layers.ts';
import { storeLocation } from '../../src/resolve/secrets.ts';
import { hookScript } from '../../src/scan/hook-script.ts';
import { shellLine } from '../../src/shell.ts';
import { DEFAULT_ARN_TEMPLATE } from '../../src/targets/_arn.ts';
import { renderBuildkit } from '../../src/targets/buildkit.ts';
import { renderGithub } from '../../src/targets/ci-github.ts';
import { renderGitlab } from '../../src/targets/ci-gitlab.ts';
import { DEFAULT_CONTEXT, DEFAULT_IMAGE, renderCompose } from '../../src/targets/compose.ts';
import { renderEcs } from '../../src/targets/ecs.ts';
import { renderK8s } from '../../src/targets/k8s.ts';
import { renderSwarm } from '../../src/targets/swarm.ts';
import type { Rendering } from '../../src/targets/types.ts';
import { counted } from '../_counts.ts';

const SEED = 0x6e616d65;
const NUM_RUNS = process.env.ENVPLANE_DEEP ? 5_000 : 300;

const SLOTS = [
  'project',
  'environment',
  'alias',
  'tenant',
  'service',
  'configKey',
  'secretKey',
  'fileEnv',
  'dir',
  'pattern',
  'tenantPattern',
  'prefix',
  'serviceLayer',
  'envLayer',
] as const;
type Slot = (typeof SLOTS)[number];

const HOSTILE = [
  '$(touch PWNED)',
  '`touch PWNED`',
  ';touch PWNED',
  '${{ secrets.X }}',
  '${X}',
  '..',
  '../',
  '/',
  '\\',
  '\n',
  '\r',
  '\u2028',
  "'",
  '"',
  ' ',
  '#',
  ': ',
  '- ',
  '{env}',
  '{tenant}',
  '{name}',
  '&',
  '|',
  '*',
  '!',
  '~',
  '?',
  '>',
  '<',
  '%',
  '@',
  '.',
  '-',
  '_',
];
const piece = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/),
  fc.stringMatching(/^[A-Z_]{1,5}$/),
);
const hostileName = fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join(''));

/** The manifest with one slot replaced; every name is written as a YAML double-quoted (JSON) string. */
function manifestText(slot: Slot, name: string): string {
  const v = (s: Slot, normal: string) => JSON.stringify(slot === s ? name : normal);
  return `project: ${v('project', 'demo')}
environments:
  ${v('environment', 'development')}:
    aliases: [${v('alias', 'dev')}]
    config: [${v('envLayer', 'config/common.env')}]
    secrets: { store: files, dir: ${v('dir', 'secrets')}, pattern: ${v('pattern', '{name}.txt')}, tenantPattern: ${v('tenantPattern', '{tenant}/{name}.txt')} }
  production:
    secrets: { store: external, prefix: ${v('prefix', 'App_')} }
tenants: [${v('tenant', 'wex')}]
keys:
  ${v('configKey', 'HOST')}: { plane: config, default: x }
  ${v('secretKey', 'db_password')}: { plane: secret, fileEnv: ${v('fileEnv', 'DB_PASSWORD_FILE')} }
  TENANT_TOKEN: { plane: secret, perTenant: true }
  npm_token: build
services:
  ${v('service', 'api')}: { uses: [${v('configKey', 'HOST')}, ${v('secretKey', 'db_password')}], build: [npm_token], config: [${v('serviceLayer', 'svc/{env}.env')}] }
  etl: { perTenant: true, uses: [TENANT_TOKEN] }
`;
}

/** A shell line envplane may print: words of plain characters, single-quoted text and `\'`; nothing bash expands. */
const WORD = String.raw`(?:[A-Za-z0-9_./:=,@%+-]|'[^']*'|\\')+`;
const SAFE_LINE = new RegExp(`^${WORD}(?: ${WORD})*$`);

function assertInside(path: string, what: string): void {
  const normal = posix.normalize(path);
  assert.ok(
    !isAbsolute(path) && normal !== '..' && !normal.startsWith('../'),
    `${what} ${JSON.stringify(path)} leaves the project`,
  );
}

function renderAll(manifest: Manifest): { renderings: Rendering[]; shell: string[] } {
  const renderings: Rendering[] = [];
  const shell: string[] = [];
  for (const environment of manifest.environments) {
    const instances = listInstances(manifest);
    for (const instance of instances)
      for (const ref of layersFor(manifest, environment, instance)) assertInside(ref.path, 'layer');
    const bundles = instances.map((i) => resolveBundle(manifest, {}, environment, i));
    for (const b of bundles)
      for (const s of [...b.secrets, ...b.build])
        if (s.location.kind === 'file') assertInside(s.location.path, 'secret');
    for (const key of Object.values(manifest.keys)) {
      if (key.plane !== 'secret' && key.plane !== 'build') continue;
      for (const tenant of key.perTenant ? manifest.tenants : [undefined]) {
        const at = storeLocation(environment, key, tenant);
        if (at.kind === 'file') assertInside(at.path, 'store location');
      }
    }
    const command = shellLine(['envplane', 'render', 'x', '--env', environment.name]);
    const base = { manifest, environment, bundles, command };
    const image = DEFAULT_IMAGE;
    const attempts: (() => Rendering)[] = [
      () => renderCompose({ ...base, mode: 'override', image, context: DEFAULT_CONTEXT, build: true }),
      () => renderCompose({ ...base, mode: 'standalone', image, context: DEFAULT_CONTEXT, build: true }),
      () => renderSwarm({ ...base, image }),
      () => renderK8s({ ...base, image, values: new Map() }),
      () => renderEcs({ ...base, arnTemplate: DEFAULT_ARN_TEMPLATE, region: 'eu-west-1', account: '123456789012' }),
      () => renderBuildkit({ ...base, image, context: DEFAULT_CONTEXT }),
      () => renderGithub({ ...base, image, context: DEFAULT_CONTEXT }),
      () => renderGitlab({ ...base, image, context: DEFAULT_CONTEXT }),
    ];
    for (const attempt of attempts) {
      try {
        renderings.push(attempt());
      } catch (error) {
        // A renderer may refuse (a name too long for Kubernetes, a files store for ECS): as a located input error.
        assert.ok(error instanceof EnvplaneError, `renderer threw ${String(error)}`);
      }
    }
  }
  for (const r of renderings)
    for (const file of r.files) {
      assertInside(file.path, 'rendered file');
      if (/\.ya?ml$/.test(file.path)) {
        const docs = parseAllDocuments(file.contents);
        for (const doc of Array.isArray(docs) ? docs : [docs]) {
          assert.deepEqual(doc.errors, [], `${file.path} does not parse`);
          collectShell(doc.toJS(), shell);
        }
      } else if (file.path.endsWith('.json')) JSON.parse(file.contents);
      // render buildkit: the build command lines (the rest are comments and Dockerfile lines to copy).
      else for (const line of file.contents.split('\n')) if (line.startsWith('DOCKER_BUILDKIT=')) shell.push(line);
    }
  return { renderings, shell };
}

/** `run:` of GitHub steps and `script:` lines of GitLab jobs. */
function collectShell(node: unknown, out: string[]): void {
  if (Array.isArray(node)) for (const item of node) collectShell(item, out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === 'run' && typeof v === 'string') out.push(v);
      else if (k === 'script' && Array.isArray(v)) out.push(...v.filter((l): l is string => typeof l === 'string'));
      else collectShell(v, out);
    }
}

function assertSafeLines(lines: readonly string[]): void {
  for (const line of lines) assert.match(line, SAFE_LINE, `unsafe shell line ${JSON.stringify(line)}`);
}

/** `bash -n` over every line at once (one process); on a failure, the line that fails is named. */
function assertBashParses(lines: readonly string[]): void {
  const parses = (text: string) => spawnSync('bash', ['-n'], { input: `${text}\n`, encoding: 'utf8' }).status === 0;
  if (parses(lines.join('\n'))) return;
  assert.fail(`bash -n refuses ${JSON.stringify(lines.find((l) => !parses(l)))}`);
}

describe('hostile names through every renderer (seeded)', () => {
  it(`refused with a location, or rendered safely (seed ${SEED})`, () => {
    let refused = 0;
    let rendered = 0;
    const shell = new Set<string>();
    const property = fc.property(fc.constantFrom(...SLOTS), hostileName, (slot, name) => {
      let manifest: Manifest;
      try {
        manifest = parseManifest(manifestText(slot, name));
      } catch (error) {
        assert.ok(error instanceof EnvplaneError && error.kind === 'input', `not an input error: ${String(error)}`);
        for (const p of error.problems ?? [error]) assert.ok((p.location?.line ?? 0) >= 1, p.message);
        refused++;
        return;
      }
      rendered++;
      const lines = renderAll(manifest).shell;
      assertSafeLines(lines);
      for (const line of lines) shell.add(line);
    });
    counted('hostile', NUM_RUNS, 'names-property', () => {
      fc.assert(property, { seed: SEED, numRuns: NUM_RUNS });
      assertBashParses([...shell]);
    });
    // Both halves ran: some names are refused, and the plain ones render.
    assert.ok(refused > 0 && rendered > 0, `refused ${refused}, rendered ${rendered}`);
  });

  it('the pre-commit hook quotes any project folder and CLI path', () => {
    fc.assert(
      fc.property(hostileName, hostileName, (folder, cli) => {
        const script = hookScript({
          projectFromTop: folder,
          cliPath: `/opt/${cli}/cli.cjs`,
          nodePath: '/usr/bin/node',
        });
        const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        // The assignments give the exact text back, whatever it holds.
        const project = script.slice(script.indexOf('\nproject='), script.indexOf('\nchained='));
        const cliLine = script.slice(script.indexOf('\ncli='), script.indexOf('\nif [ -f "$cli" ]'));
        const probe = spawnSync('sh', ['-c', `top=/top${project}${cliLine}\nprintf '%s\\0%s' "$project" "$cli"`], {
          encoding: 'utf8',
        });
        assert.deepEqual(probe.stdout.split('\0'), [folder === '' ? '/top' : `/top/${folder}`, `/opt/${cli}/cli.cjs`]);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
