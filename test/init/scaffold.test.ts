/** `envplane init`: a new project's files, without prompts, never overwriting what is there. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseManifest } from '../../src/manifest/parse.ts';
import { hashTree, runCli, tempDir } from '../_helpers.ts';
import { assertPortableSchemaHint, INSTALLED_SCHEMA } from './_schema-hint.ts';

describe('envplane init', () => {
  it('scaffolds the manifest with its schema hint, config layers, secrets/.gitkeep and .gitignore lines', () => {
    const dir = tempDir();
    const r = runCli(['init', '--project', 'shop'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
    assertPortableSchemaHint(text, dir);
    const manifest = parseManifest(text);
    assert.equal(manifest.project, 'shop');
    assert.deepEqual(
      manifest.environments.map((e) => [e.name, e.aliases, e.config, e.secrets.kind]),
      [
        ['development', ['dev'], ['config/common.env', 'config/dev.env'], 'files'],
        ['production', ['prod'], ['config/common.env', 'config/prod.env'], 'external'],
      ],
    );
    assert.deepEqual(manifest.environments[1]!.secrets, {
      kind: 'external',
      prefix: 'shop_',
      pattern: '{prefix}{name}',
      tenantPattern: '{prefix}{tenant}_{name}',
    });
    for (const file of ['config/common.env', 'config/dev.env', 'config/prod.env', 'secrets/.gitkeep'])
      assert.ok(existsSync(join(dir, file)), file);
    assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
    const ignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    for (const line of ['/secrets/*', '!/secrets/*.example', '!/secrets/.gitkeep', '/.envplane/'])
      assert.ok(ignore.split('\n').includes(line), line);
    assert.match(r.stdout, /Next steps:/);
    // The scaffold is a working project: commands that read it accept it.
    const check = runCli(['check', '--env', 'dev', '--json'], { cwd: dir });
    assert.notEqual(check.code, 2, check.stderr);
  });

  it('writes the same project-relative schema path wherever it runs from and whether or not the package is installed', () => {
    const outer = tempDir();
    // Run from elsewhere (--dir), from inside, and with the package's schema installed: one and the same line.
    const lines = new Set<string>();
    for (const [name, how] of [
      ['a', 'dir'],
      ['b', 'cwd'],
      ['c', 'installed'],
    ] as const) {
      const dir = join(outer, name, 'project');
      mkdirSync(dir, { recursive: true });
      if (how === 'installed') {
        mkdirSync(join(dir, 'node_modules', 'envplane', 'schema'), { recursive: true });
        writeFileSync(join(dir, INSTALLED_SCHEMA), '{}');
      }
      const r = how === 'dir' ? runCli(['init', '--dir', dir]) : runCli(['init'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const text = readFileSync(join(dir, 'envplane.yaml'), 'utf8');
      assertPortableSchemaHint(text, dir);
      lines.add(text.split('\n')[0]!);
    }
    assert.equal(lines.size, 1);
  });

  it('refuses to overwrite envplane.yaml without --force, and --force replaces only the manifest', () => {
    const dir = tempDir();
    assert.equal(runCli(['init'], { cwd: dir }).code, 0);
    writeFileSync(join(dir, 'config', 'dev.env'), 'DEBUG=true\n');
    const before = hashTree(dir);
    const again = runCli(['init'], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /envplane\.yaml already exists/);
    assert.match(again.stderr, /--force/);
    assert.deepEqual(hashTree(dir), before);
    const forced = runCli(['init', '--force', '--env', 'development,staging', '--json'], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
    const out = JSON.parse(forced.stdout);
    assert.ok(out.written.includes('envplane.yaml'));
    assert.ok(out.skipped.includes('config/dev.env'));
    assert.equal(readFileSync(join(dir, 'config', 'dev.env'), 'utf8'), 'DEBUG=true\n');
    const manifest = parseManifest(readFileSync(join(dir, 'envplane.yaml'), 'utf8'));
    assert.deepEqual(
      manifest.environments.map((e) => [e.name, e.aliases, e.config[1]]),
      [
        ['development', ['dev'], 'config/dev.env'],
        ['staging', ['stage'], 'config/stage.env'],
      ],
    );
    assert.ok(existsSync(join(dir, 'config', 'stage.env')));
  });

  it('names the project after its folder, and --dry-run writes nothing', () => {
    const dir = tempDir('My Shop_');
    const r = runCli(['init', '--dry-run', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).project, /^my-shop-/);
    assert.deepEqual(hashTree(dir), {});
    const long = runCli(['init', '--dry-run', '--json'], { cwd: tempDir(`${'Long Folder '.repeat(8)}_`) });
    assert.equal(long.code, 0, long.stderr);
    assert.equal(JSON.parse(long.stdout).project.length, 63, 'cut to the 63 characters the manifest allows');
  });

  it("an environment named like another one's alias (dev,development): a manifest envplane reads back", () => {
    for (const envs of ['dev,development', 'development,dev', 'prod,production,stage,staging']) {
      const dir = tempDir();
      const r = runCli(['init', '--env', envs], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const manifest = parseManifest(readFileSync(join(dir, 'envplane.yaml'), 'utf8'));
      assert.deepEqual(manifest.environments.map((e) => e.name).sort(), envs.split(',').sort());
      const layers = manifest.environments.map((e) => e.config.at(-1));
      assert.equal(new Set(layers).size, layers.length, `${envs}: each environment its own layer`);
      assert.equal(runCli(['check'], { cwd: dir }).code, 0, envs);
    }
  });

  it('rejects a bad --env and unknown options with exit 2', () => {
    const dir = tempDir();
    const bad = runCli(['init', '--env', 'Dev Env'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--env must be comma-separated names/);
    const project = runCli(['init', '--project', 'My Shop!'], { cwd: dir });
    assert.equal(project.code, 2);
    assert.match(project.stderr, /--project must be lower-case letters/);
    const unknown = runCli(['init', '--frm-existing'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /did you mean "from-existing"/);
    assert.deepEqual(hashTree(dir), {});
  });

  it('--help shows every option with its default', () => {
    for (const command of ['init', 'migrate']) {
      const r = runCli([command, '--help']);
      assert.equal(r.code, 0);
      for (const line of r.stdout.split('\n').filter((l) => /^\s+(-\w, )?--/.test(l)))
        assert.match(line, /default|required/i, `${command}: ${line.trim()}`);
    }
  });
});
