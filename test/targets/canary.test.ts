/**
 * A canary value in every secret file, pushed through every target with --debug, --json and failures: it never
 * appears in stdout, stderr or a rendered file — except, base64-encoded, in the Kubernetes Secret written 0600.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { count } from '../_counts.ts';
import { copyExample, runCli } from '../_helpers.ts';
import { assertNoCanary, bundlesOf, fillSecretFiles } from './_tools.ts';

const RUNS: string[][] = [
  ['compose', '--env', 'dev'],
  ['compose', '--env', 'dev', '--mode', 'standalone', '--build'],
  ['compose', '--env', 'prod', '--mode', 'standalone'],
  ['swarm', '--env', 'dev'],
  ['swarm', '--env', 'prod'],
  ['k8s', '--env', 'dev', '-o', 'k8s.yaml'],
  ['k8s', '--env', 'dev', '--external-secrets'],
  ['k8s', '--env', 'dev'],
  ['ecs', '--env', 'dev', '--region', 'eu-west-1', '--account', '123456789012'],
  ['ecs', '--env', 'prod', '--arn-template', 'arn:aws:secretsmanager:x:y:secret:{name}'],
  ['buildkit', '--env', 'dev'],
  ['ci', 'github', '--env', 'dev'],
  ['ci', 'gitlab', '--env', 'prod'],
];

describe('canary values through every target', () => {
  it('never reach stdout, stderr or a rendered file', () => {
    const dir = copyExample('four-planes');
    const canaries = [...fillSecretFiles(dir, bundlesOf(dir, 'development')).values()];
    const rendered = [
      'compose.envplane.yml',
      'compose.development.yml',
      'compose.production.yml',
      'stack.development.yml',
      'stack.production.yml',
      'k8s.yaml',
      '.github/workflows/envplane.yml',
      '.gitlab-ci.envplane.yml',
    ];
    for (const args of RUNS)
      for (const extra of [[], ['--debug'], ['--json'], ['--check']]) {
        const r = runCli(['render', ...args, ...extra], { cwd: dir });
        const out = r.stdout + r.stderr;
        const hit = canaries.some((v) => out.includes(v) || out.includes(Buffer.from(v).toString('base64')));
        count('canary', 1, hit ? 1 : 0, 'render');
        assertNoCanary(r.stdout + r.stderr, canaries, `render ${[...args, ...extra].join(' ')}`);
        for (const v of canaries) assert.ok(!(r.stdout + r.stderr).includes(Buffer.from(v).toString('base64')));
      }
    for (const file of rendered) assertNoCanary(readFileSync(join(dir, file), 'utf8'), canaries, file);
    const k8s = readFileSync(join(dir, 'k8s.yaml'), 'utf8');
    assert.ok(
      canaries.some((v) => k8s.includes(Buffer.from(v).toString('base64'))),
      'the Secret carries the values',
    );
  });

  it('failures name keys and files, never values', () => {
    const dir = copyExample('four-planes');
    const canaries = [...fillSecretFiles(dir, bundlesOf(dir, 'development')).values()];
    writeFileSync(join(dir, 'secrets', 'secret_key.txt'), `${'z'.repeat(1_100_000)}${canaries[0]}`);
    const big = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', '--debug'], { cwd: dir });
    assert.equal(big.code, 2);
    assert.match(big.stderr, /reactrine-backend-secrets would hold \d+ bytes/);
    assertNoCanary(big.stdout + big.stderr, canaries, 'size error');
    const manifest = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    writeFileSync(join(dir, 'envplane.yaml'), manifest.replace('project: reactrine', 'project: Bad_Name!'));
    const name = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', '--debug'], { cwd: dir });
    assert.equal(name.code, 2);
    assertNoCanary(name.stdout + name.stderr, canaries, 'name error');
  });
});
