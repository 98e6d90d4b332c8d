/** `render --check`: exit 0 on fresh output, exit 1 with a readable unified diff after a hand edit, values masked. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { maskSecretText, unifiedDiff } from '../../src/targets/_diff.ts';
import { copyExample, hashTree, runCli } from '../_helpers.ts';
import { bundlesOf, fillSecretFiles } from './_tools.ts';

describe('render --check', () => {
  it('passes on fresh output and fails with a diff after a hand edit', () => {
    const dir = copyExample('four-planes');
    assert.equal(runCli(['render', 'compose', '--env', 'prod', '--mode', 'standalone'], { cwd: dir }).code, 0);
    const fresh = runCli(['render', 'compose', '--env', 'production', '--mode', 'standalone', '--check'], { cwd: dir });
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
    assert.match(fresh.stdout, /unchanged compose\.production\.yml/);

    const path = join(dir, 'compose.production.yml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('LLM_PROVIDER: bedrock', 'LLM_PROVIDER: openai'));
    const before = hashTree(dir);
    const drift = runCli(['render', 'compose', '--env', 'prod', '--mode', 'standalone', '--check'], { cwd: dir });
    assert.equal(drift.code, 1);
    assert.match(drift.stdout, /drift: compose\.production\.yml drifted/);
    assert.match(drift.stdout, /^--- a\/compose\.production\.yml$/m);
    assert.match(drift.stdout, /^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    assert.match(drift.stdout, /^- {6}LLM_PROVIDER: openai$/m);
    assert.match(drift.stdout, /^\+ {6}LLM_PROVIDER: bedrock$/m);
    assert.deepEqual(hashTree(dir), before, '--check writes nothing');

    const json = runCli(['render', 'compose', '--env', 'prod', '--mode', 'standalone', '--check', '--json'], {
      cwd: dir,
    });
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).files[0].status, 'drifted');

    const missing = runCli(['render', 'swarm', '--env', 'prod', '--check'], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /stack\.production\.yml is missing/);
  });

  it('masks secret values in the diff of a Kubernetes Secret, even ones typed by hand', () => {
    const dir = copyExample('four-planes');
    const canaries = [...fillSecretFiles(dir, bundlesOf(dir, 'development')).values()];
    assert.equal(runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml'], { cwd: dir }).code, 0);
    assert.equal(runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', '--check'], { cwd: dir }).code, 0);
    const path = join(dir, 'k8s.yaml');
    const typed = 'hand-typed-secret-value';
    writeFileSync(path, readFileSync(path, 'utf8').replace(/secret_key: .*/, `secret_key: ${typed}`));
    const drift = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', '--check'], { cwd: dir });
    assert.equal(drift.code, 1);
    const out = drift.stdout + drift.stderr;
    assert.ok(!out.includes(typed));
    for (const v of canaries) assert.ok(!out.includes(v) && !out.includes(Buffer.from(v).toString('base64')));
    assert.match(drift.stdout, /differ only in masked secret values/);
  });

  it('a known secret value pasted into a rendered compose file is masked in the diff and --json, in every form', () => {
    const dir = copyExample('four-planes');
    const canaries = [...fillSecretFiles(dir, bundlesOf(dir, 'development')).values()];
    assert.ok(canaries.length > 0);
    assert.equal(runCli(['render', 'compose', '--env', 'dev'], { cwd: dir }).code, 0);
    const path = join(dir, 'compose.envplane.yml');
    const value = canaries[0]!;
    const lower = encodeURIComponent(`${value}/ü`).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
    const basic = Buffer.from(`admin:${value}`).toString('base64');
    const pasted = readFileSync(path, 'utf8').replace(
      /^services:$/m,
      `# password is ${value}\nx-note:\n  - ${value}\n  - ${basic}\n  - "https://h/?p=${lower}"\nservices:`,
    );
    writeFileSync(path, pasted.replace(/(LOG_LEVEL: ).*/, `$1"${value}"`));
    for (const extra of [[], ['--json']]) {
      const r = runCli(['render', 'compose', '--env', 'dev', '--check', ...extra], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      const out = r.stdout + r.stderr;
      assert.ok(!out.includes(value), `the value is in the ${extra.join('') || 'text'} diff`);
      assert.ok(!out.includes(basic.slice(4, -4)) && !out.includes(lower), 'an encoded form is in the diff');
      assert.match(out, /REDACTED/);
      // The rest of the diff stays readable.
      assert.match(out, /x-note:/);
    }
  });

  it('in a Kubernetes diff, comments and list items typed by hand are masked, known values everywhere', () => {
    const dir = copyExample('four-planes');
    const canaries = [...fillSecretFiles(dir, bundlesOf(dir, 'development')).values()];
    assert.equal(runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml'], { cwd: dir }).code, 0);
    const path = join(dir, 'k8s.yaml');
    const typed = 'hand-typed-secret-value';
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, `# token ${typed}\n# and ${canaries[0]}\n${text}x-list:\n  - ${typed}-2\n  - ${canaries[1]}\n`);
    const drift = runCli(['render', 'k8s', '--env', 'dev', '-o', 'k8s.yaml', '--check'], { cwd: dir });
    assert.equal(drift.code, 1);
    const out = drift.stdout + drift.stderr;
    assert.ok(!out.includes(typed), 'a hand-typed comment or list item is shown');
    for (const v of canaries) assert.ok(!out.includes(v));
    assert.match(out, /^-# \*{8}$/m);
    assert.match(out, /^- {2}- /m);
    // envplane's own header comment is kept readable in context.
    assert.equal(maskSecretText('# a\n- b\n- c: d\n', new Set(['# a'])), '# a\n- ********\n- c: ********\n');
  });

  it('refuses to overwrite inputs, files it did not generate, and symlinks', () => {
    const dir = copyExample('four-planes');
    const before = hashTree(dir);
    const input = runCli(['render', 'compose', '--env', 'dev', '-o', 'config/dev.env'], { cwd: dir });
    assert.equal(input.code, 2);
    assert.match(input.stderr, /one of the project's inputs/);
    const otherEnv = runCli(['render', 'compose', '--env', 'dev', '-o', 'config/prod.env', '--force'], { cwd: dir });
    assert.equal(otherEnv.code, 2, 'a layer of another environment is an input too');
    const secretFile = runCli(['render', 'compose', '--env', 'prod', '-o', 'secrets/secret_key.txt', '--force'], {
      cwd: dir,
    });
    assert.equal(secretFile.code, 2, 'a files-store secret of another environment is an input too');
    const handWritten = runCli(
      ['render', 'compose', '--env', 'prod', '--mode', 'standalone', '-o', 'docker-compose.prod.yml'],
      { cwd: dir },
    );
    assert.equal(handWritten.code, 2);
    assert.match(handWritten.stderr, /envplane did not generate it/);
    assert.deepEqual(hashTree(dir), before);
    // An output that is a link to the user's own compose file: refused even with --force, the file untouched.
    const ownCompose = readFileSync(join(dir, 'docker-compose.yml'), 'utf8');
    symlinkSync(join(dir, 'docker-compose.yml'), join(dir, 'compose.envplane.yml'));
    assert.notEqual(runCli(['render', 'compose', '--env', 'dev', '--force'], { cwd: dir }).code, 0);
    assert.equal(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'), ownCompose);
    assert.ok(lstatSync(join(dir, 'compose.envplane.yml')).isSymbolicLink(), 'the link was replaced');
    const forced = runCli(
      ['render', 'compose', '--env', 'prod', '--mode', 'standalone', '-o', 'docker-compose.prod.yml', '--force'],
      { cwd: dir },
    );
    assert.equal(forced.code, 0, forced.stderr);
  });

  it('an output that is a FIFO: exit 2 without waiting for a writer, with or without --check; left a FIFO', () => {
    const dir = copyExample('four-planes');
    const made = spawnSync('mkfifo', [join(dir, 'compose.envplane.yml')]);
    assert.equal(made.status, 0, String(made.stderr));
    for (const extra of [[], ['--check'], ['--force']]) {
      const r = runCli(['render', 'compose', '--env', 'dev', ...extra], { cwd: dir });
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /compose\.envplane\.yml is not a regular file/);
    }
    assert.ok(lstatSync(join(dir, 'compose.envplane.yml')).isFIFO());
  });
});

describe('unified diff', () => {
  it('shows only changed regions with context, and nothing for equal texts', () => {
    const a = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 3\n', 'line three\n').replace('line 25', 'line 25b');
    const diff = unifiedDiff(`${a}\n`, `${b}\n`, 'a/x', 'b/x');
    assert.equal(diff.match(/^@@/gm)?.length, 2);
    assert.match(diff, /@@ -1,7 \+1,7 @@\n line 0\n line 1\n line 2\n-line 3\n\+line three\n line 4\n/);
    assert.match(diff, /@@ -23,7 \+23,7 @@/);
    assert.equal(unifiedDiff('x\n', 'x\n', 'a', 'b'), '');
    assert.match(unifiedDiff('', 'new\n', '/dev/null', 'b/x'), /@@ -0,0 \+1,1 @@\n\+new/);
  });

  it('stays small for one edit in a long file (equal heads and tails never reach the bounded LCS table)', () => {
    // Without the trimming, 50,000 × 50,000 lines would exceed the table's cap and the diff would replace the
    // whole file: the two-line, one-hunk answer below is only reachable through it. No clock needed.
    const a = Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 25000\n', 'line 25000 edited\n');
    const diff = unifiedDiff(a, b, 'a/x', 'b/x');
    assert.equal(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l)).length, 2);
    assert.match(diff, /@@ -24998,7 \+24998,7 @@/);
  });

  it('masks values but keeps structure readable', () => {
    const masked = maskSecretText(
      'kind: Secret\nmetadata:\n  name: app-secrets\ndata:\n  token: c2VjcmV0\n  multi: |\n    raw line\n',
    );
    assert.equal(
      masked,
      'kind: Secret\nmetadata:\n  name: app-secrets\ndata:\n  token: ********\n  multi: ********\n********\n',
    );
  });
});
