/**
 * The hostile-input catalogue: bad manifests, bad .env files and bad flags. Each must fail with exit 2, a located
 * message and a hint, print no value from the input, and leave the project tree byte-for-byte unchanged.
 */
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { hashTree, runCli, tempDir } from '../_helpers.ts';
import { counted } from '../_counts.ts';

const CANARY = 'cAnArY-7f3e9b1d-value';

const BASE_MANIFEST = `project: demo
environments:
  development:
    aliases: [dev]
    config: [config/common.env]
tenants: [a, b]
keys:
  HOST: config
  api_token: { plane: secret, generate: hex:16 }
  TENANT_KEY: { plane: secret, perTenant: true }
services:
  api: { uses: [HOST, api_token] }
  worker: { perTenant: true, uses: [HOST, TENANT_KEY] }
`;

interface Case {
  name: string;
  /** Replacements in the base manifest, or a whole manifest. */
  manifest?: string | [string, string][];
  files?: Record<string, string | Buffer>;
  args?: string[];
  /** What stderr must say (location and message). */
  expect: RegExp;
}

const m = (pairs: [string, string][]) => pairs;

const cases: Case[] = [
  // Manifest structure
  {
    name: 'unknown top-level field',
    manifest: m([['tenants:', 'tenant: [x]\ntenants:']]),
    expect: /envplane\.yaml:6:1: unknown field "tenant"/,
  },
  {
    name: 'unknown environment field',
    manifest: m([['aliases:', 'alias: [d]\n    aliases:']]),
    expect: /envplane\.yaml:4:5: unknown field "alias"/,
  },
  {
    name: 'unknown key field',
    manifest: m([['generate: hex:16', 'generat: hex:16']]),
    expect: /envplane\.yaml:9:31: unknown field "generat" in keys\.api_token[\s\S]*did you mean "generate"/,
  },
  {
    name: 'unknown service field',
    manifest: m([['api: { uses', 'api: { use: [], uses']]),
    expect: /envplane\.yaml:12:10: unknown field "use"/,
  },
  {
    name: 'project is a list',
    manifest: m([['project: demo', 'project: [demo]']]),
    expect: /envplane\.yaml:1:\d+: project must be/,
  },
  {
    name: 'environments is a list',
    manifest: 'project: x\nenvironments: [dev]\n',
    expect: /envplane\.yaml:2:\d+: environments must be a mapping of names, not a list/,
  },
  {
    name: 'no environment',
    manifest: 'project: x\nenvironments: {}\n',
    expect: /envplane\.yaml:2:\d+: no environment is declared/,
  },
  {
    name: 'missing project',
    manifest: 'environments: { dev: {} }\n',
    expect: /envplane\.yaml:1:1: missing field "project"/,
  },
  {
    name: 'plane typo',
    manifest: m([['HOST: config', 'HOST: confg']]),
    expect:
      /envplane\.yaml:8:3: keys\.HOST must be one of build, config, public, secret \(got "confg"\)[\s\S]*did you mean "config"/,
  },
  // A manifest read as if it held values (`API_KEY: ghp_…` under keys:): the value is never quoted back.
  {
    name: 'a value pasted where the plane belongs',
    manifest: m([['HOST: config', `HOST: ${CANARY}`]]),
    expect: /envplane\.yaml:8:3: keys\.HOST must be one of build, config, public, secret\n/,
  },
  {
    name: 'a value pasted as plane: in the mapping form',
    manifest: m([['HOST: config', `HOST: { plane: ${CANARY} }`]]),
    expect: /envplane\.yaml:8:\d+: keys\.HOST\.plane must be one of build, config, public, secret\n/,
  },
  {
    name: 'a value pasted where the store belongs',
    manifest: m([
      ['config: [config/common.env]', `config: [config/common.env]\n    secrets: { store: ${CANARY}, dir: s }`],
    ]),
    expect:
      /envplane\.yaml:6:\d+: environments\.development\.secrets\.store must be one of files, external(, [a-z]+)*\n/,
  },
  {
    name: 'a value pasted where the generation rule belongs',
    manifest: m([['hex:16', CANARY]]),
    expect: /envplane\.yaml:9:\d+: this is not a generation rule/,
  },
  {
    name: 'plane of wrong type',
    manifest: m([['HOST: config', 'HOST: 42']]),
    expect: /envplane\.yaml:8:3: keys\.HOST/,
  },
  {
    name: 'generation rule not understood',
    manifest: m([['hex:16', 'hex:abc']]),
    expect: /envplane\.yaml:9:\d+: "hex:abc" is not a generation rule/,
  },
  { name: 'generation rule too weak', manifest: m([['hex:16', 'password:8']]), expect: /envplane\.yaml:9:\d+: .*bits/ },
  {
    name: 'charset that repeats',
    manifest: m([['hex:16', 'password:64:aab']]),
    expect: /envplane\.yaml:9:\d+: the charset repeats/,
  },
  {
    name: 'required of wrong type',
    manifest: m([['HOST: config', 'HOST: { plane: config, required: maybe }']]),
    expect: /envplane\.yaml:8:\d+: keys\.HOST\.required must be/,
  },
  {
    name: 'duplicate service',
    manifest: `${BASE_MANIFEST}  api: { uses: [] }\n`,
    expect: /envplane\.yaml:14:3: invalid YAML: Map keys must be unique/,
  },
  {
    name: 'duplicate key',
    manifest: m([['HOST: config', 'HOST: config\n  HOST: secret']]),
    expect: /envplane\.yaml:9:3: invalid YAML: Map keys must be unique/,
  },
  {
    name: 'key used twice by a service',
    manifest: m([['uses: [HOST, api_token]', 'uses: [HOST, api_token, HOST]']]),
    expect: /envplane\.yaml:12:\d+: key "HOST" is listed twice/,
  },
  // Paths and names that could escape
  {
    name: 'layer path traversal',
    manifest: m([['config/common.env', '../../etc/passwd']]),
    expect: /envplane\.yaml:5:\d+: path "\.\.\/\.\.\/etc\/passwd" leaves the project/,
  },
  {
    name: 'absolute layer path',
    manifest: m([['config/common.env', '/etc/passwd']]),
    expect: /envplane\.yaml:5:\d+: path "\/etc\/passwd" leaves the project/,
  },
  {
    name: 'windows-style traversal',
    manifest: m([['config/common.env', '"..\\\\..\\\\x.env"']]),
    expect: /envplane\.yaml:5:\d+: path .* leaves the project/,
  },
  {
    name: 'store dir traversal',
    manifest: m([
      ['config: [config/common.env]', 'config: [config/common.env]\n    secrets: { store: files, dir: ../outside }'],
    ]),
    expect: /envplane\.yaml:6:\d+: path "\.\.\/outside" leaves the project/,
  },
  {
    name: 'secret name with traversal',
    manifest: m([['api_token', '../../x']]),
    expect: /envplane\.yaml:9:3: "\.\.\/\.\.\/x" is not a valid secret key name/,
  },
  {
    name: 'secret name absolute',
    manifest: m([['api_token', '/etc/shadow']]),
    expect: /envplane\.yaml:9:3: "\/etc\/shadow" is not a valid secret key name/,
  },
  {
    name: 'secret name with backslashes',
    manifest: m([['api_token', '"..\\\\x"']]),
    expect: /envplane\.yaml:9:3: .* is not a valid secret key name/,
  },
  {
    name: 'secret name with dot-dot inside',
    manifest: m([['api_token', 'a..b']]),
    expect: /envplane\.yaml:9:3: "a\.\.b" is not a valid secret key name/,
  },
  {
    name: 'config key that is not a variable name',
    manifest: m([
      ['HOST: config', 'HO-ST: config'],
      ['[HOST, api_token]', '[HO-ST, api_token]'],
      ['[HOST, TENANT_KEY]', '[HO-ST, TENANT_KEY]'],
    ]),
    expect: /envplane\.yaml:8:3: "HO-ST" is not a valid config key name/,
  },
  {
    name: 'service name with capitals',
    manifest: m([['  api: {', '  API: {']]),
    expect: /envplane\.yaml:12:3: service "API" is not a valid name/,
  },
  {
    name: 'tenant name with a space',
    manifest: m([['tenants: [a, b]', 'tenants: [a, "b c"]']]),
    expect: /envplane\.yaml:6:\d+: tenant "b c" is not a valid name/,
  },
  {
    name: 'unknown placeholder in a layer',
    manifest: m([['config/common.env', '"config/{region}.env"']]),
    expect: /envplane\.yaml:5:\d+: unknown placeholder \{region\}/,
  },
  {
    name: 'tenant placeholder in an environment layer',
    manifest: m([['config/common.env', '"config/{tenant}.env"']]),
    expect: /envplane\.yaml:5:\d+: environment layers cannot depend on a tenant/,
  },
  // Cross-references
  {
    name: 'unknown key in uses',
    manifest: m([['[HOST, api_token]', '[HOST, api_tokn]']]),
    expect: /envplane\.yaml:12:\d+: service "api" uses unknown key "api_tokn"[\s\S]*did you mean "api_token"/,
  },
  {
    name: 'build secret in uses',
    manifest: m([
      ['HOST: config', 'HOST: config\n  pip: build'],
      ['[HOST, api_token]', '[HOST, api_token, pip]'],
    ]),
    expect: /envplane\.yaml:13:\d+: "pip" is a build secret/,
  },
  {
    name: 'config key in build',
    manifest: m([['api: { uses: [HOST, api_token] }', 'api: { uses: [HOST, api_token], build: [HOST] }']]),
    expect: /envplane\.yaml:12:\d+: "HOST" is a config key, not a build secret/,
  },
  {
    name: 'unknown build secret',
    manifest: m([['api: { uses: [HOST, api_token] }', 'api: { uses: [HOST, api_token], build: [pip] }']]),
    expect: /envplane\.yaml:12:\d+: unknown build secret "pip"/,
  },
  {
    name: 'per-tenant key in a plain service',
    manifest: m([['[HOST, api_token]', '[HOST, api_token, TENANT_KEY]']]),
    expect: /envplane\.yaml:12:\d+: "TENANT_KEY" has one value per tenant/,
  },
  {
    name: 'per-tenant service without tenants',
    manifest: m([['tenants: [a, b]', 'tenants: []']]),
    expect: /envplane\.yaml:13:\d+: service "worker" is per tenant but there are no tenants/,
  },
  {
    name: 'unknown tenant in a service',
    manifest: m([['worker: { perTenant: true,', 'worker: { perTenant: true, tenants: [a, c],']]),
    expect: /envplane\.yaml:13:\d+: unknown tenant "c"/,
  },
  {
    name: 'tenants on a plain service',
    manifest: m([['api: { uses', 'api: { tenants: [a], uses']]),
    expect: /envplane\.yaml:12:\d+: service "api" lists tenants but is not per tenant/,
  },
  {
    name: 'alias that names another environment',
    manifest: m([['aliases: [dev]', 'aliases: [dev]\n  production:\n    aliases: [dev]']]),
    expect: /envplane\.yaml:\d+:\d+: "dev" already names environment "development"/,
  },
  {
    name: 'secret with a default value',
    manifest: m([['generate: hex:16', `default: ${CANARY}`]]),
    expect: /envplane\.yaml:9:\d+: secret "api_token" cannot have a default/,
  },
  {
    name: 'fileEnv that is not a variable',
    manifest: m([['generate: hex:16', 'fileEnv: "X-FILE"']]),
    expect: /envplane\.yaml:9:\d+: "X-FILE" is not a variable name/,
  },
  {
    name: 'maxAge that is not days',
    manifest: m([['generate: hex:16', 'maxAge: soon']]),
    expect: /envplane\.yaml:9:\d+: maxAge must be a number of days/,
  },
  {
    name: 'silence without a reason',
    manifest: `${BASE_MANIFEST}silence:\n  - { rule: unused-key }\n`,
    expect: /envplane\.yaml:15:\d+: missing field "reason"/,
  },
  {
    name: 'silence of an unknown key',
    manifest: `${BASE_MANIFEST}silence:\n  - { rule: x, reason: y, key: NOPE }\n`,
    expect: /envplane\.yaml:15:\d+: unknown key "NOPE"/,
  },
  // Hostile YAML
  {
    name: 'custom tag',
    manifest: m([['project: demo', 'project: !!js/function "x"']]),
    expect: /envplane\.yaml:1:\d+: invalid YAML/,
  },
  {
    name: 'custom local tag',
    manifest: m([['project: demo', 'project: !secret demo']]),
    expect: /envplane\.yaml:1:\d+: invalid YAML/,
  },
  {
    name: 'alias bomb',
    manifest: `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n`,
    expect: /envplane\.yaml:1:1: invalid YAML[\s\S]*alias/,
  },
  { name: 'merge keys', manifest: `${BASE_MANIFEST}<<: { x: 1 }\n`, expect: /envplane\.yaml:14:1: unknown field "<<"/ },
  {
    name: 'thousands of merge keys',
    manifest: `x: &x { a: 1 }\n${Array.from({ length: 3000 }, (_, i) => `k${i}: { <<: *x }`).join('\n')}\n`,
    expect: /envplane\.yaml:\d+:\d+: (invalid YAML|unknown field)/,
  },
  {
    name: 'lists nested ten thousand deep',
    manifest: `project: x\nenvironments: { dev: {} }\nk: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
    expect: /envplane\.yaml:3:\d+: invalid YAML: nested too deeply\n/,
  },
  {
    name: 'block mappings nested two thousand deep',
    manifest: `project: x\nenvironments: { dev: {} }\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`,
    expect: /envplane\.yaml:\d+:\d+: invalid YAML: nested too deeply\n/,
  },
  {
    name: 'bad indentation',
    manifest: 'project: x\nenvironments:\n  dev:\n     config: []\n    aliases: []\n',
    expect: /envplane\.yaml:5:\d+: invalid YAML/,
  },
  {
    name: 'tab indentation',
    manifest: 'project: x\nenvironments:\n\tdev: {}\n',
    expect: /envplane\.yaml:3:\d+: invalid YAML/,
  },
  {
    name: 'an env file saved as the manifest (a YAML string) is not quoted back',
    manifest: `PASSWORD=${CANARY}\nTOKEN=x\n`,
    expect: /envplane\.yaml:1:1: the manifest must be a mapping/,
  },
  {
    name: 'a mapping used as a key, holding a value',
    manifest: `{ k: ${CANARY} }: 1\nproject: x\n`,
    expect: /envplane\.yaml:1:1: invalid YAML: a list or mapping is used as a mapping key/,
  },
  {
    name: 'an environment named __proto__ (a JavaScript object would drop it without a word)',
    manifest: `project: x\nenvironments:\n  dev: {}\n  __proto__:\n    config: [${CANARY}.env]\n`,
    expect: /envplane\.yaml:4:3: invalid name: "__proto__" cannot be a key/,
  },
  {
    name: 'a stray quoted token after the document',
    manifest: `a *a...\n#x\n"${CANARY}{"\n`,
    expect: /envplane\.yaml:3:1: invalid YAML: Unexpected double-quoted-scalar token in YAML stream\n/,
  },
  { name: 'unclosed flow sequence', manifest: 'project: [x\n', expect: /envplane\.yaml:2:1: invalid YAML/ },
  { name: 'empty manifest', manifest: '', expect: /envplane\.yaml:1:1: the manifest is empty/ },
  {
    name: 'manifest that is a scalar',
    manifest: 'hello\n',
    expect: /envplane\.yaml:1:1: the manifest must be a mapping/,
  },
  {
    name: 'manifest not UTF-8',
    files: {
      'envplane.yaml': Buffer.concat([
        Buffer.from('project: caf'),
        Buffer.from([0xe9]),
        Buffer.from('\nenvironments: { dev: {} }\n'),
      ]),
    },
    expect: /envplane\.yaml:1: the file is not valid UTF-8/,
  },
  // Layer files
  {
    name: 'missing layer file',
    files: { 'config/common.env': null as unknown as string },
    expect: /envplane\.yaml:5:\d+: layer file config\/common\.env does not exist/,
  },
  {
    name: 'layer file is a directory',
    files: { 'config/common.env': null as unknown as string, 'config/common.env/x': 'A=1\n' },
    expect: /config\/common\.env is a directory/,
  },
  {
    name: 'unterminated double quote',
    files: { 'config/common.env': `HOST=ok\nTOKEN="${CANARY}\n` },
    expect: /config\/common\.env:2(:\d+)?: line 2: unterminated quoted value/,
  },
  {
    name: 'unterminated single quote',
    files: { 'config/common.env': `TOKEN='${CANARY}` },
    expect: /config\/common\.env:1(:\d+)?: line 1: unterminated quoted value/,
  },
  {
    name: '"export" with nothing after it at the end of a layer',
    files: { 'config/common.env': 'HOST=ok\nexport ' },
    expect: /config\/common\.env:2:\d+: line 2: "export" is not followed by a variable name/,
  },
  {
    name: 'unterminated quote after CRLF lines',
    files: { 'config/common.env': `A=1\r\nB=2\r\nTOKEN="${CANARY}\r\n` },
    expect: /config\/common\.env:3(:\d+)?: line 3: unterminated/,
  },
  {
    name: 'key with a space',
    files: { 'config/common.env': `HOST=x\nMY KEY=${CANARY}\n` },
    expect: /config\/common\.env:2(:\d+)?: line 2: key cannot contain a space/,
  },
  {
    name: 'bad character in a key',
    files: { 'config/common.env': `${CANARY}$x=1\n` },
    expect: /config\/common\.env:1(:\d+)?: line 1: unexpected character "\$" in variable name/,
  },
  {
    name: 'quoted key',
    files: { 'config/common.env': `"HOST"=${CANARY}\n` },
    expect: /config\/common\.env:1(:\d+)?: line 1: unexpected character/,
  },
  {
    name: 'required variable missing',
    files: { 'config/common.env': 'HOST=${ENVPLANE_TEST_UNSET:?set the host}\n' },
    expect: /config\/common\.env:1(:\d+)?: .*required variable ENVPLANE_TEST_UNSET is missing a value: set the host/,
  },
  {
    name: 'invalid template',
    files: { 'config/common.env': 'HOST="${"\n' },
    expect: /config\/common\.env:1(:\d+)?: .*Invalid template/,
  },
  {
    name: 'layer not UTF-8',
    files: { 'config/common.env': Buffer.concat([Buffer.from('HOST=x\nB=caf'), Buffer.from([0xe9, 0x0a])]) },
    expect: /config\/common\.env:2: the file is not valid UTF-8/,
  },
  // Flags
  {
    name: 'unknown environment',
    args: ['env', '--env', 'staging', '--service', 'api'],
    expect: /unknown environment "staging"/,
  },
  {
    name: 'unknown service',
    args: ['env', '--env', 'dev', '--service', 'apj'],
    expect: /unknown service "apj"[\s\S]*did you mean "api"/,
  },
  {
    name: 'per-tenant service without a tenant',
    args: ['env', '--env', 'dev', '--service', 'worker'],
    expect: /runs once per tenant; name one with --tenant[\s\S]*tenants: a, b/,
  },
  {
    name: 'unknown tenant',
    args: ['env', '--env', 'dev', '--service', 'worker', '--tenant', 'c'],
    expect: /does not run for tenant "c"/,
  },
  {
    name: 'unknown flag',
    args: ['env', '--env', 'dev', '--service', 'api', '--reveal'],
    expect: /unknown option "--reveal"/,
  },
  {
    name: 'flag value containing a secret is not echoed',
    args: ['env', `--nope=${CANARY}`],
    expect: /unknown option "--nope"/,
  },
];

function writeProject(c: Case): string {
  const dir = tempDir('envplane-hostile-');
  let manifest = BASE_MANIFEST;
  if (typeof c.manifest === 'string') manifest = c.manifest;
  else
    for (const [from, to] of c.manifest ?? []) {
      assert.ok(manifest.includes(from), `case "${c.name}": "${from}" not in the base manifest`);
      manifest = manifest.replace(from, to);
    }
  const files: Record<string, string | Buffer | null> = {
    'envplane.yaml': manifest,
    'config/common.env': 'HOST=localhost\n',
    ...c.files,
  };
  for (const [path, contents] of Object.entries(files)) {
    if (contents === null) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  return dir;
}

describe('hostile input catalogue', () => {
  it(`has at least 50 cases (${cases.length})`, () => assert.ok(cases.length >= 50));

  for (const c of cases)
    it(c.name, () =>
      counted('hostile', 1, 'catalogue', () => {
        const dir = writeProject(c);
        const before = hashTree(dir);
        const r = runCli(c.args ?? ['env', '--env', 'dev', '--service', 'api'], { cwd: dir });
        assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
        assert.match(r.stderr, c.expect);
        assert.match(r.stderr, /hint: |did you mean/, 'a hint');
        assert.ok(!`${r.stdout}${r.stderr}`.includes(CANARY), 'an input value was echoed');
        assert.ok(!/internal error/.test(r.stderr), r.stderr);
        assert.deepEqual(hashTree(dir), before, 'the tree changed');
      }),
    );

  // A file past the longest string Node can hold (about 512 MB) once failed in the UTF-8 check and was called "not
  // valid UTF-8". Sparse files: nothing that large is written to the disk.
  it('a layer or secret file too large to read: exit 2, its size, not "not valid UTF-8"', () => {
    const huge = 600 * 1_048_576;
    for (const [file, args] of [
      ['config/common.env', ['env', '--env', 'dev', '--service', 'api']],
      ['secrets/api_token.txt', ['run', '--env', 'dev', '--service', 'api', '--', process.execPath, '-e', '0']],
    ] as const) {
      const dir = writeProject({ name: file, expect: /./ });
      mkdirSync(join(dir, 'secrets'), { recursive: true });
      writeFileSync(join(dir, file), '', { mode: 0o600 });
      truncateSync(join(dir, file), huge);
      const r = runCli([...args], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${file.replace('.', '\\.')}: the file is too large to read \\(600 MB\\)`));
      assert.match(r.stderr, /hint: /);
      assert.doesNotMatch(r.stderr, /UTF-8|internal error/);
    }
  });
});
