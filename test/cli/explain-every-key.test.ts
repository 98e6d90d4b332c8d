/**
 * `envplane explain` on every key of every instance of both examples, in every environment, through the built CLI
 * (and its manifest cache): the assignments it lists and the one it says wins, or the secret's location, are what
 * `resolveBundle`'s provenance says the instance receives; the text a person reads names the same line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import type { Key } from '../../src/manifest/types.ts';
import { loadProject } from '../../src/project/load.ts';
import { type LayerSet, resolveBundle } from '../../src/resolve/bundle.ts';
import { findEnvironment, listInstances } from '../../src/resolve/instances.ts';
import type { Bundle } from '../../src/resolve/types.ts';
import { CLI, copyExample } from '../_helpers.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI, a few at a time: several hundred short runs, each waiting mostly on process start-up. */
async function runAll(cwd: string, commands: string[][], parallel = 4): Promise<Run[]> {
  const results: Run[] = [];
  let next = 0;
  const worker = async () => {
    while (next < commands.length) {
      const i = next++;
      results[i] = await new Promise<Run>((resolve) =>
        execFile(
          process.execPath,
          [CLI, ...commands[i]!],
          { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/** Runs a check; a failure shows what the CLI printed. */
function shown(out: Run, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof Error) error.message += `\n--- stdout:\n${out.stdout}--- stderr:\n${out.stderr}`;
    throw error;
  }
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Case {
  label: string;
  key: Key;
  declared: boolean;
  bundle: Bundle;
  /** The environment's layers (explain reads them all, to say where else a key is set). */
  layers: LayerSet;
  json: number;
  text?: number;
}

function checkJson(c: Case, out: Run): void {
  const { key, bundle, layers, label } = c;
  assert.equal(out.code, 0, `${label}: ${out.stderr}`);
  const x = JSON.parse(out.stdout);
  assert.deepEqual(x.layers, bundle.layers, label);
  const secret = key.plane === 'secret' || key.plane === 'build';
  // Every assignment in the instance's own layers, in precedence order; the last one wins when declared.
  const assignments = bundle.layers.flatMap((file) =>
    (layers[file] ?? [])
      .filter((e) => e.key === key.name)
      .map((e) => ({ file, line: e.line, ...(secret ? {} : { value: e.value }) })),
  );
  assert.deepEqual(
    x.settings,
    assignments.map((a, i) => ({ ...a, wins: c.declared && i === assignments.length - 1 })),
    `${label}: settings`,
  );
  const elsewhere = Object.entries(layers)
    .filter(([file]) => !bundle.layers.includes(file))
    .flatMap(([file, entries]) =>
      (entries ?? []).filter((e) => e.key === key.name).map((e) => ({ file, line: e.line })),
    );
  assert.deepEqual(x.elsewhere, elsewhere, `${label}: elsewhere`);
  const winner = x.settings.find((s: { wins: boolean }) => s.wins);

  if (!c.declared) assert.equal(x.outcome, 'not-declared', label);
  else if (key.plane === 'build') {
    assert.equal(x.outcome, 'build-secret', label);
    assert.ok(
      bundle.build.some((b) => b.id === key.name),
      label,
    );
  } else if (key.plane === 'secret') {
    const ref = bundle.secrets.find((s) => s.name === key.name)!;
    assert.deepEqual(x.secret, JSON.parse(JSON.stringify(ref)), `${label}: secret`);
    if (ref.location.kind === 'layer') {
      assert.equal(x.outcome, 'secret-in-layer', label);
      assert.deepEqual([winner?.file, winner?.line], [ref.location.file, ref.location.line], label);
    } else {
      assert.equal(x.outcome, 'secret-store', label);
      assert.equal(winner, undefined, label);
    }
  } else {
    const value = bundle.config.find((v) => v.key === key.name)!;
    assert.equal(x.outcome, value.source.kind, label);
    assert.deepEqual(x.source, value.source, label);
    if (value.source.kind === 'layer') {
      assert.deepEqual(
        [winner?.file, winner?.line, winner?.value],
        [value.source.file, value.source.line, value.value],
        label,
      );
      assert.deepEqual(
        x.settings.slice(0, -1).map((s: { file: string; line: number; value: string }) => [s.file, s.line, s.value]),
        value.shadowed.map((s) => [s.file, s.line, s.value]),
        `${label}: shadowed`,
      );
    } else assert.equal(winner, undefined, label);
  }
}

/** The text a person reads: the winning line, or where the secret is read from, as the resolver says. */
function checkText(c: Case, out: Run): void {
  const { key, bundle, layers, label } = c;
  assert.equal(out.code, 0, `${label}: ${out.stderr}`);
  if (key.plane === 'build') {
    assert.match(out.stdout, /a build secret/, label);
    return;
  }
  if (key.plane === 'secret') {
    const ref = bundle.secrets.find((s) => s.name === key.name)!;
    if (ref.location.kind === 'layer') {
      const line = `${ref.location.file}:${ref.location.line}`;
      assert.match(out.stdout, new RegExp(`wins +${literal(line)}  \\*{6}\n`), label);
      assert.match(out.stdout, /a secret kept in a config file/, label);
      const raw = layers[ref.location.file]!.find((e) => e.line === (ref.location as { line: number }).line)!.value;
      assert.ok(!out.stdout.includes(raw), `${label}: the value is printed`);
    } else {
      const from =
        ref.location.kind === 'file'
          ? ref.location.path
          : ref.location.kind === 'store'
            ? ref.location.ref
            : `external secret ${ref.location.name}`;
      assert.ok(out.stdout.includes(`read from ${from} and delivered at ${ref.target}`), `${label}:\n${out.stdout}`);
    }
    return;
  }
  const value = bundle.config.find((v) => v.key === key.name)!;
  if (value.source.kind === 'layer') {
    const line = `${value.source.file}:${value.source.line}`;
    assert.match(out.stdout, new RegExp(`wins +${literal(line)}  ${literal(JSON.stringify(value.value))}\n`), label);
    assert.match(out.stdout, new RegExp(`\n${literal(line)} (wins|sets it)`), label);
  } else
    assert.match(
      out.stdout,
      value.source.kind === 'default' ? /the default from the manifest applies/ : /unset/,
      label,
    );
}

describe('envplane explain on every key of every instance of both examples', () => {
  for (const example of ['four-planes', 'service-scoped'] as const)
    it(`${example}: the winning line or secret location is the one the resolver's provenance names`, async () => {
      const dir = copyExample(example);
      const commands: string[][] = [];
      const cases: Case[] = [];
      const all = loadProject({ dir, lookup: {} });
      for (const { name: env } of all.manifest.environments) {
        const { manifest, layers } = loadProject({ dir, environment: env, lookup: {} });
        const environment = findEnvironment(manifest, env);
        for (const instance of listInstances(manifest)) {
          const bundle = resolveBundle(manifest, layers, environment, instance);
          const service = manifest.services[instance.service]!;
          const who = ['-e', env, '-s', instance.service, ...(instance.tenant ? ['-t', instance.tenant] : [])];
          for (const key of Object.values(manifest.keys)) {
            const declared = service.uses.includes(key.name) || service.build.includes(key.name);
            const label = `${key.name} for ${instance.id} in ${env}`;
            const json = commands.push(['explain', key.name, ...who, '--json']) - 1;
            const text = declared ? commands.push(['explain', key.name, ...who]) - 1 : undefined;
            cases.push({ label, key, declared, bundle, layers, json, ...(text === undefined ? {} : { text }) });
          }
        }
      }
      const results = await runAll(dir, commands);
      const outcomes = new Set<string>();
      for (const c of cases) {
        shown(results[c.json]!, () => checkJson(c, results[c.json]!));
        outcomes.add(JSON.parse(results[c.json]!.stdout).outcome);
        if (c.text !== undefined) shown(results[c.text]!, () => checkText(c, results[c.text!]!));
      }
      // The verdicts each layout reaches (both examples set every key that has a default, so `default` and
      // `unset` are left to the explain tests that edit a layer).
      const expected =
        example === 'four-planes'
          ? ['build-secret', 'layer', 'not-declared', 'secret-store']
          : ['layer', 'not-declared', 'secret-in-layer'];
      assert.deepEqual([...outcomes].sort(), expected);
    });
});
