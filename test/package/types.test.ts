/**
 * The package as a TypeScript application gets it: `npm pack`, then the packed tarball is checked by
 * @arethetypeswrong/cli (its ESM-only profile: envplane is ESM, CommonJS users reach it through `import()`) and by
 * publint, and a small consumer project (strict, module nodenext, skipLibCheck) is type-checked against it with
 * both TypeScript 7 and TypeScript 5. The consumer's deliberate mistakes must be reported, so the declarations are
 * real types, not `any`. The types used to point at src/*.ts, which gave consumers TS5097 errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO, tempDir } from '../_helpers.ts';

const require = createRequire(import.meta.url);
const bin = (name: string) => join(REPO, 'node_modules', '.bin', name);
const out = tempDir('envplane-pack-');
let tarball = '';

before(() => {
  // --ignore-scripts: nothing to run; the suite runs after `npm run build`, which made dist/ and dist/types.
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const packed = readdirSync(out).filter((f) => f.endsWith('.tgz'));
  assert.equal(packed.length, 1, packed.join(', '));
  tarball = join(out, packed[0]!);
});

/** A consumer project with envplane unpacked from the tarball, its dependencies linked from this checkout. */
function consumer(files: Record<string, string>): string {
  const dir = tempDir('envplane-consumer-');
  const pkg = join(dir, 'node_modules', 'envplane');
  mkdirSync(pkg, { recursive: true });
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1'], { encoding: 'utf8' });
  assert.equal(untar.status, 0, untar.stderr);
  for (const dep of ['valibot', 'yaml', '@noble', 'citty', '@types'])
    symlinkSync(join(REPO, 'node_modules', dep), join(dir, 'node_modules', dep));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        skipLibCheck: true,
        noEmit: true,
        types: ['node'],
      },
      include: ['*.ts'],
    }),
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const COMPILERS: [string, string][] = [
  ['TypeScript 7', bin('tsc')],
  ['TypeScript 5', require.resolve('typescript-5/bin/tsc')],
];

function typecheck(tsc: string, dir: string) {
  const r = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const GOOD = `import { EnvplaneError, loadProject, parseDotenv, serializeDotenv, type Project } from 'envplane';
import { createEnv, MissingEnvError, Secret } from 'envplane/runtime';

const values: Record<string, string> = parseDotenv('A=1\\n', { lookup: {} });
const text: string = serializeDotenv(values);
const load = (dir: string): Project => loadProject({ dir });
const env = createEnv({ config: ['PORT'] as const, secrets: ['db_password'] as const, env: { PORT: '1' } });
const port: string = env.config.PORT;
const secret: Secret = env.secrets.db_password;
const isError = (e: unknown) => e instanceof EnvplaneError || e instanceof MissingEnvError;
export { text, load, port, secret, isError };
`;

describe('the packed package for TypeScript users', () => {
  it('@arethetypeswrong/cli (ESM-only profile) finds no problem in the tarball', () => {
    const r = spawnSync(bin('attw'), ['--profile', 'esm-only', '--format', 'json', tarball], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout.slice(0, 4000) + r.stderr);
    const { analysis } = JSON.parse(r.stdout) as {
      analysis: { problems: { kind: string; resolutionKind?: string }[] };
    };
    // The profile ignores what CommonJS-only resolution sees; everything an ESM or bundler user meets is clean.
    const relevant = analysis.problems.filter(
      (p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs',
    );
    assert.deepEqual(relevant, []);
  });

  it('publint (strict) finds nothing in the tarball', () => {
    const r = spawnSync(bin('publint'), ['run', tarball, '--strict'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /All good/);
  });

  it('the tarball ships declarations, not the TypeScript sources', () => {
    const r = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    const names = r.stdout.split('\n');
    assert.ok(names.includes('package/dist/types/index.d.ts'));
    assert.ok(names.includes('package/dist/types/runtime/index.d.ts'));
    assert.deepEqual(
      names.filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')),
      [],
    );
  });

  for (const [name, tsc] of COMPILERS)
    it(`a strict nodenext consumer type-checks against it (${name}), and its mistakes are caught`, () => {
      const good = consumer({ 'index.ts': GOOD });
      const ok = typecheck(tsc, good);
      assert.equal(ok.code, 0, ok.out);
      const bad = consumer({
        'index.ts': `import { parseDotenv } from 'envplane';
import { createEnv } from 'envplane/runtime';
export const n: number = parseDotenv('A=1');
export const missing = createEnv({ config: ['PORT'] as const }).config.NOT_LISTED;
`,
      });
      const caught = typecheck(tsc, bad);
      assert.notEqual(caught.code, 0, 'a consumer with type errors passed: the declarations are not real types');
      assert.match(caught.out, /index\.ts\(3,\d+\): error TS2322/);
      assert.match(caught.out, /index\.ts\(4,\d+\): error TS2339/);
      assert.doesNotMatch(caught.out, /TS5097|TS2307/);
    });
});
