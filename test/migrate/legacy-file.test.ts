/**
 * `envplane migrate <legacy file>`: the first seed's five steps on a 40-key `.env.development` of every kind
 * (quoted, multi-line, `$`, `#`, escapes, duplicates, `export`, `:`), proven by reading everything back through
 * envplane's own loader: every key lands in exactly one plane with exactly its value, and no secret value is printed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseManifest } from '../../src/manifest/parse.ts';
import { loadProject } from '../../src/project/load.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import { findEnvironment, instanceOf } from '../../src/resolve/instances.ts';
import { storeLocation } from '../../src/resolve/secrets.ts';
import { readSecretValue } from '../../src/stores/read.ts';
import { CLI, hashTree, runCli } from '../_helpers.ts';
import { assertNoSecretIn, expected, legacyProject, MANIFEST, SECRET_KEYS } from './_fixtures.ts';

describe('migrate <legacy file>', () => {
  it('the fixture is what it claims: 40 keys of mixed kinds', () => {
    assert.ok(Object.keys(expected).length >= 30, `${Object.keys(expected).length} keys`);
    assert.equal(expected.MULTI_LINE, 'line one\nline two\nline three');
    assert.equal(expected.DB_PASSWORD, 'Pa$w0rd#1canary');
    assert.equal(expected.REF_EARLIER, '8080/api');
    assert.equal(expected.DUPLICATE, 'second');
    assert.ok(expected.MULTILINE_SECRET_TOKEN!.endsWith('\n'));
  });

  it('puts every key in exactly one plane with exactly its value, and prints no secret value', () => {
    const dir = legacyProject();
    const legacyBefore = readFileSync(join(dir, '.env.development'), 'utf8');
    const r = runCli(['migrate', '.env.development', '--env', 'dev', '--service', 'app'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);

    const project = loadProject({ dir, lookup: {} });
    const environment = findEnvironment(project.manifest, 'development');
    const { manifest } = project;
    const layerValues: Record<string, { value: string; file: string }> = {};
    for (const layer of environment.config)
      for (const e of project.layers[layer] ?? []) layerValues[e.key] = { value: e.value, file: layer };

    for (const [key, value] of Object.entries(expected)) {
      const declared = [manifest.keys[key], manifest.keys[key.toLowerCase()]].filter((k) => k !== undefined);
      assert.equal(new Set(declared).size, 1, `${key} is declared exactly once`);
      const k = declared[0]!;
      if (k.plane === 'secret') {
        assert.ok(SECRET_KEYS.includes(key), `${key} should not be a secret`);
        assert.equal(readSecretValue(dir, storeLocation(environment, k)), value, `${key} from the store`);
        assert.equal(layerValues[key], undefined, `${key} is not also config`);
        assert.equal(layerValues[k.name], undefined, `${k.name} is not also config`);
        const location = storeLocation(environment, k);
        assert.equal(location.kind, 'file');
        const mode = statSync(join(dir, location.kind === 'file' ? location.path : '')).mode & 0o777;
        assert.equal(mode, 0o600, `${key} file mode`);
      } else {
        assert.ok(!SECRET_KEYS.includes(key), `${key} should be a secret`);
        assert.equal(layerValues[key]?.value, value, `${key} from the config layers`);
        assert.equal(layerValues[key]?.file, 'config/dev.env');
        assert.ok(
          !existsSync(join(dir, 'secrets', `${key}.txt`)) &&
            !existsSync(join(dir, 'secrets', `${key.toLowerCase()}.txt`)),
        );
      }
    }
    assert.equal(manifest.keys.VITE_API_URL?.plane, 'public');
    assert.equal(manifest.keys.NEXT_PUBLIC_SITE?.plane, 'public');
    assert.equal(manifest.keys.REACT_APP_MODE?.plane, 'public');
    assert.equal(manifest.keys.KEYBOARD_LAYOUT?.plane, 'config');

    // The service receives exactly these values through resolution, as `run` and `render` will.
    const bundle = resolveBundle(manifest, project.layers, environment, instanceOf('app'));
    for (const c of bundle.config) assert.equal(c.value, expected[c.key], c.key);
    for (const s of bundle.secrets)
      assert.equal(readSecretValue(dir, s.location), expected[s.name.toUpperCase()], s.name);
    assert.equal(bundle.config.length + bundle.secrets.length, Object.keys(expected).length);

    // The legacy file is untouched (the seed's step 5 is the user's, once it works), the examples hold no value.
    assert.equal(readFileSync(join(dir, '.env.development'), 'utf8'), legacyBefore);
    const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    assert.match(gitignore, /^\/secrets\/\*$/m);
    assert.match(gitignore, /^!\/secrets\/\*\.example$/m);
    for (const key of SECRET_KEYS) {
      const example = readFileSync(join(dir, 'secrets', `${key.toLowerCase()}.txt.example`), 'utf8');
      assert.ok(!example.includes(expected[key]!.slice(0, 8)), `${key} example holds no value`);
    }
    assertNoSecretIn(`${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /CSRF_SALT/);
    assert.match(r.stderr + r.stdout, /CSRF_SALT: could not tell whether it is a secret; kept as config/);
  });

  it('--json and --dry-run print the plan without values and write nothing', () => {
    const dir = legacyProject();
    const before = hashTree(dir);
    const r = runCli(
      ['migrate', '.env.development', '--env', 'development', '--service', 'app', '--dry-run', '--json'],
      {
        cwd: dir,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(hashTree(dir), before);
    const out = JSON.parse(r.stdout);
    assert.equal(out.dryRun, true);
    assert.equal(out.moves.length, Object.keys(expected).length);
    assert.ok(out.steps.some((s: { kind: string }) => s.kind === 'manifest'));
    assertNoSecretIn(r.stdout + r.stderr);
  });

  it('a second run changes nothing; --remove-old then removes the legacy file only', () => {
    const dir = legacyProject();
    assert.equal(runCli(['migrate', '.env.development', '--env', 'dev', '--service', 'app'], { cwd: dir }).code, 0);
    const after = hashTree(dir);
    const again = runCli(['migrate', '.env.development', '--env', 'dev', '--service', 'app', '--json'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(hashTree(dir), after);
    assert.deepEqual(JSON.parse(again.stdout).steps, []);
    const remove = runCli(['migrate', '.env.development', '--env', 'dev', '--remove-old'], { cwd: dir });
    assert.equal(remove.code, 0, remove.stderr);
    assert.ok(!existsSync(join(dir, '.env.development')));
    const left = hashTree(dir);
    delete after['.env.development'];
    assert.deepEqual(left, after);
  });

  it('on a terminal, asks about the keys it cannot classify (util-linux `script` provides the terminal)', () => {
    const dir = legacyProject();
    writeFileSync(
      join(dir, '.env.development'),
      'CSRF_SALT=abc-value\nSENTRY_DSN=https://k@y/1\nAUTH_MODE=oidc\nPORT=1\n',
    );
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} migrate .env.development --env dev --service app`;
    // Two answers typed ahead; the third question meets the end of input and keeps its default (config).
    const r = spawnSync('script', ['-qec', cli, '/dev/null'], {
      cwd: dir,
      input: 's\np\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.error, undefined, 'the `script` command (util-linux) is required');
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /Is CSRF_SALT a \[s\]ecret, \[c\]onfig or \[p\]ublic/);
    const manifest = parseManifest(readFileSync(join(dir, 'envplane.yaml'), 'utf8'));
    assert.equal(manifest.keys.csrf_salt?.plane, 'secret');
    assert.equal(manifest.keys.SENTRY_DSN?.plane, 'public');
    assert.equal(manifest.keys.AUTH_MODE?.plane, 'config');
    assert.equal(manifest.keys.PORT?.plane, 'config');
    assert.equal(readFileSync(join(dir, 'secrets', 'csrf_salt.txt'), 'utf8'), 'abc-value\n');
    assert.ok(!r.stdout.includes('abc-value'));
  });

  it('a key whose value differs from the target layer is refused with its location, and nothing is written', () => {
    const dir = legacyProject();
    writeFileSync(join(dir, 'config', 'dev.env'), 'PORT=9090\n');
    const before = hashTree(dir);
    const r = runCli(['migrate', '.env.development', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.env\.development:3: PORT has a different value in config\/dev\.env:1/);
    assert.match(r.stderr, /hint: /);
    assert.deepEqual(hashTree(dir), before);
  });

  it('refuses a file outside the project, a missing file and an unknown service', () => {
    const dir = legacyProject();
    const outside = runCli(['migrate', '../elsewhere.env', '--env', 'dev'], { cwd: dir });
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /outside the project/);
    const missing = runCli(['migrate', '.env.nope', '--env', 'dev'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /\.env\.nope does not exist/);
    const service = runCli(['migrate', '.env.development', '--env', 'dev', '--service', 'ap'], { cwd: dir });
    assert.equal(service.code, 2);
    assert.match(service.stderr, /unknown service "ap"[\s\S]*did you mean "app"/);
    const noEnv = runCli(['migrate', '.env.development'], { cwd: dir });
    assert.equal(noEnv.code, 2);
    assert.match(noEnv.stderr, /missing --env/);
  });

  it('keeps keys whose names cannot be declared, and refuses a legacy file that is the config target itself', () => {
    const dir = legacyProject();
    writeFileSync(join(dir, '.env.development'), 'my.setting=1\nGOOD=2\n');
    const r = runCli(['migrate', '.env.development', '--env', 'dev', '--service', 'app', '--remove-old'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /my\.setting stays in \.env\.development/);
    assert.match(r.stdout, /\.env\.development is not removed: 1 key\(s\) stayed in it/);
    assert.ok(existsSync(join(dir, '.env.development')));
    assert.equal(loadProject({ dir, lookup: {} }).manifest.keys.GOOD?.plane, 'config');

    const other = legacyProject();
    writeFileSync(
      join(other, 'envplane.yaml'),
      MANIFEST.replace('config: [config/common.env, config/dev.env]', 'config: []'),
    );
    writeFileSync(join(other, 'config', 'dev.env'), 'A=1\n');
    const before = hashTree(other);
    const refused = runCli(['migrate', 'config/dev.env', '--env', 'dev'], { cwd: other });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /config\/dev\.env is where development's config would go/);
    assert.deepEqual(hashTree(other), before);
  });

  it('the layer-file form of a legacy file is refused with a pointer to the layer migration', () => {
    const dir = legacyProject();
    const r = runCli(['migrate', 'config/common.env', '--env', 'dev'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /config\/common\.env is a config layer/);
  });
});
