/**
 * Interpolation across layers, as compose-go's env-file loading does it (`types/project.go`
 * `WithServicesEnvironmentResolved` → `loadEnvFile` → `dotenv.ParseWithFormat` into one shared map; `${NAME}` tries
 * the caller's environment first, then that map: this file's earlier lines and the earlier files' values). Each case
 * below is one branch of that code. Debian's docker-compose 1.29 does not do this, so it cannot judge here.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDotenvEntries } from '../../src/dotenv/index.ts';
import type { Lookup } from '../../src/dotenv/index.ts';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { explainKey } from '../../src/resolve/explain.ts';
import { findEnvironment, listInstances } from '../../src/resolve/instances.ts';
import { runCli, tempDir } from '../_helpers.ts';

const MANIFEST = `project: demo
environments:
  development:
    aliases: [dev]
    config: [config/common.env, config/dev.env]
  production:
    aliases: [prod]
    config: [config/common.env, config/prod.env]
keys:
  POSTGRES_SERVER: config
  ORIGINS: config
  A: config
  B: config
  C: config
  D: config
  E: config
services:
  backend:
    uses: [POSTGRES_SERVER, ORIGINS, A, B, C, D, E]
    config: [config/backend.env]
`;

function project(files: Record<string, string>): string {
  const dir = tempDir('envplane-stack-');
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'envplane.yaml'), MANIFEST);
  const all = {
    'config/common.env': '',
    'config/dev.env': '',
    'config/prod.env': '',
    'config/backend.env': '',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) writeFileSync(join(dir, path), text);
  return dir;
}

function values(dir: string, env: string, lookup: Lookup = {}): Record<string, string | undefined> {
  const p = loadProject({ dir, lookup });
  const instance = listInstances(p.manifest)[0]!;
  const b = resolveBundle(p.manifest, p.layers, findEnvironment(p.manifest, env), instance);
  return Object.fromEntries(b.config.filter((c) => c.value !== undefined).map((c) => [c.key, c.value]));
}

describe('layers interpolate against the earlier layers (compose-go env_file order)', () => {
  it('the issue: a later layer sees an earlier layer’s key, and a default applies to an unset one', () => {
    const dir = project({
      'config/common.env': 'POSTGRES_SERVER=postgres\n',
      'config/dev.env': 'ORIGINS=http://${POSTGRES_SERVER}:${MYPORT:-3000}\n',
    });
    assert.equal(values(dir, 'dev').ORIGINS, 'http://postgres:3000');
  });

  it('the caller’s environment is consulted first (p.Environment before the shared map), the key itself keeps the layer’s value', () => {
    const dir = project({
      'config/common.env': 'POSTGRES_SERVER=postgres\n',
      'config/dev.env': 'ORIGINS=http://${POSTGRES_SERVER}\n',
    });
    const v = values(dir, 'dev', { POSTGRES_SERVER: 'shellhost' });
    assert.equal(v.ORIGINS, 'http://shellhost');
    assert.equal(v.POSTGRES_SERVER, 'postgres');
  });

  it('a later line of the same file overrides the earlier layer in the shared map', () => {
    const dir = project({ 'config/common.env': 'A=1\n', 'config/dev.env': 'A=2\nB=${A}\n' });
    assert.deepEqual([values(dir, 'dev').A, values(dir, 'dev').B], ['2', '2']);
  });

  it('a self-reference sees the earlier layer’s value (A=${A}x)', () => {
    const dir = project({ 'config/common.env': 'A=1\n', 'config/dev.env': 'A=${A}x\n' });
    assert.equal(values(dir, 'dev').A, '1x');
  });

  it('forward references stay empty: an earlier layer never sees a later one', () => {
    const dir = project({ 'config/common.env': 'A=[${B}]\n', 'config/dev.env': 'B=late\n' });
    assert.equal(values(dir, 'dev').A, '[]');
  });

  it('the same file reads differently after different layers (dev vs prod)', () => {
    const dir = project({
      'config/dev.env': 'POSTGRES_SERVER=devdb\n',
      'config/prod.env': 'POSTGRES_SERVER=proddb\n',
      'config/backend.env': 'C=postgres://${POSTGRES_SERVER}/app\n',
    });
    assert.equal(values(dir, 'dev').C, 'postgres://devdb/app');
    assert.equal(values(dir, 'prod').C, 'postgres://proddb/app');
  });

  it('${X:?msg} is satisfied by an earlier layer; unset everywhere it fails with the file:line', () => {
    const ok = project({ 'config/common.env': 'A=1\n', 'config/dev.env': 'B=${A:?need A}\n' });
    assert.equal(values(ok, 'dev').B, '1');
    const bad = project({ 'config/dev.env': 'B=${A:?need A}\n' });
    assert.throws(
      () => values(bad, 'dev'),
      (e: Error & { location?: { file: string; line?: number } }) =>
        /required variable A is missing a value: need A/.test(e.message) &&
        e.location?.file === 'config/dev.env' &&
        e.location.line === 1,
    );
  });

  it('a bare KEY line inherits from the environment only; unset there, the earlier layer’s value stays', () => {
    const dir = project({ 'config/common.env': 'A=1\n', 'config/dev.env': 'A\n' });
    assert.equal(values(dir, 'dev').A, '1');
    assert.equal(values(dir, 'dev', { A: 'shell' }).A, 'shell');
  });

  it('single quotes and $$ stay literal; ${A:+r} and ${A-d} see the earlier layer', () => {
    const dir = project({
      'config/common.env': 'A=\n',
      'config/dev.env': "B='${A}'\nC=$${A}\nD=${A:+set}${A-dflt}\nE=${A:-empty}\n",
    });
    const v = values(dir, 'dev');
    assert.deepEqual([v.B, v.C, v.D, v.E], ['${A}', '${A}', '', 'empty']);
  });

  it('explain names the variables a value took from the shell, and only those', () => {
    const dir = project({
      'config/common.env': 'POSTGRES_SERVER=postgres\n',
      'config/dev.env': 'ORIGINS=http://${POSTGRES_SERVER}:${MYPORT:-3000}\nA=${POSTGRES_SERVER}\n',
    });
    const p = loadProject({ dir, lookup: { MYPORT: '9' } });
    const x = explainKey(
      p.manifest,
      p.layers,
      findEnvironment(p.manifest, 'dev'),
      listInstances(p.manifest)[0]!,
      'ORIGINS',
    );
    assert.deepEqual(
      x.settings.map((s) => s.shell),
      [['MYPORT']],
    );
    assert.deepEqual(x.source, { kind: 'layer', file: 'config/dev.env', line: 1, shell: ['MYPORT'] });
    const a = explainKey(p.manifest, p.layers, findEnvironment(p.manifest, 'dev'), listInstances(p.manifest)[0]!, 'A');
    assert.equal(a.settings[0]!.shell, undefined);
    const cli = runCli(['explain', 'ORIGINS', '--env', 'dev', '--service', 'backend', '--dir', dir], {
      env: { MYPORT: '9' },
    });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /from your shell: \$MYPORT/);
  });

  it('render warns when a rendered file depends on the caller’s shell, and is quiet when it does not', () => {
    const dir = project({ 'config/dev.env': 'ORIGINS=http://h:${MYPORT:-3000}\n' });
    const quiet = runCli(['render', 'compose', '--env', 'dev', '-o', '-', '--dir', dir], {
      env: { MYPORT: undefined },
    });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /from your shell/);
    const loud = runCli(['render', 'compose', '--env', 'dev', '-o', '-', '--dir', dir], { env: { MYPORT: '9' } });
    assert.equal(loud.code, 0, loud.stderr);
    assert.match(loud.stderr, /ORIGINS \(config\/dev\.env:1, for backend\) takes \$MYPORT from your shell/);
  });

  it('the parser’s own option: earlier values come after the lookup and after this file’s lines', () => {
    const earlier = { A: 'early', B: 'early' };
    const e = parseDotenvEntries('B=own\nX=${A}-${B}-${C}\n', { lookup: { C: 'env' }, earlier, trackLookups: true });
    assert.deepEqual(
      e.map((x) => [x.key, x.value, x.fromLookup]),
      [
        ['B', 'own', undefined],
        ['X', 'early-own-env', ['C']],
      ],
    );
  });
});
