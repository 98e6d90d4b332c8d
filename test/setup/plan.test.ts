import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BLOCK_END, BLOCK_START, completeGitignore, wantedIgnoreLines } from '../../src/setup/gitignore.ts';
import { checkStorePath } from '../../src/stores/_paths.ts';
import { parseManifest } from '../../src/manifest/parse.ts';
import { inspectPaths, planSetup, type SetupFacts } from '../../src/setup/plan.ts';
import { tempDir } from '../_helpers.ts';

const MANIFEST = `project: t
environments:
  development:
    secrets: { store: files, dir: secrets }
tenants: [a, b]
keys:
  db_password: { plane: secret, generate: hex:16 }
  api_token: { plane: secret, perTenant: true, description: "API token" }
services:
  web: { uses: [db_password] }
  job: { perTenant: true, uses: [db_password, api_token] }
`;

function input() {
  const manifest = parseManifest(MANIFEST, 'envplane.yaml');
  return { manifest, layers: {}, environments: manifest.environments };
}

describe('planSetup (pure)', () => {
  it('asks about every secret file, its template and the folders on the way', () => {
    const paths = inspectPaths(input());
    for (const p of [
      'secrets',
      'secrets/.gitkeep',
      'secrets/db_password.txt',
      'secrets/a',
      'secrets/b/api_token.txt.example',
      '.gitignore',
    ])
      assert.ok(paths.includes(p), p);
  });

  it('on an empty disk: generates, writes templates and .gitkeep and .gitignore; a per-tenant value is needed per tenant', () => {
    const plan = planSetup(input(), {});
    const kinds = plan.actions.map((a) => `${a.kind} ${a.path}`);
    assert.ok(kinds.includes('generate secrets/db_password.txt'));
    assert.equal(kinds.filter((k) => k === 'generate secrets/db_password.txt').length, 1, 'a shared secret once');
    assert.ok(kinds.includes('template secrets/a/api_token.txt.example'));
    assert.ok(kinds.includes('gitkeep secrets/.gitkeep'));
    assert.ok(kinds.includes('gitignore .gitignore'));
    const needed = plan.notes.filter((n) => n.kind === 'needed').map((n) => ('path' in n ? n.path : ''));
    assert.deepEqual(needed.sort(), ['secrets/a/api_token.txt', 'secrets/b/api_token.txt']);
  });

  it('copies a template of the user, never one of its own', () => {
    const facts: SetupFacts = {
      'secrets/a/api_token.txt.example': { kind: 'file', mode: 0o644, size: 9, text: 'tok-here\n' },
      'secrets/b/api_token.txt.example': {
        kind: 'file',
        mode: 0o600,
        size: 20,
        text: 'replace with API token for tenant b\n',
      },
    };
    const plan = planSetup(input(), facts);
    assert.ok(plan.actions.some((a) => a.kind === 'copy' && a.path === 'secrets/a/api_token.txt'));
    assert.ok(!plan.actions.some((a) => a.kind === 'copy' && a.path === 'secrets/b/api_token.txt'));
  });

  it('leaves existing files alone, narrows wide modes, refuses links', () => {
    const facts: SetupFacts = {
      secrets: { kind: 'dir', mode: 0o755 },
      'secrets/db_password.txt': { kind: 'file', mode: 0o644, size: 33 },
    };
    const plan = planSetup(input(), facts);
    assert.ok(!plan.actions.some((a) => a.kind === 'generate'));
    const tighten = plan.actions
      .filter((a) => a.kind === 'tighten')
      .map((a) => (a.kind === 'tighten' ? [a.path, a.mode] : []));
    assert.deepEqual(tighten.sort(), [
      ['secrets', 0o700],
      ['secrets/db_password.txt', 0o600],
    ]);
    assert.throws(() => planSetup(input(), { 'secrets/a': { kind: 'link' } }), /symbolic link secrets\/a/);
    assert.throws(
      () => planSetup(input(), { 'secrets/db_password.txt': { kind: 'dir', mode: 0o700 } }),
      /not a regular file/,
    );
  });
});

describe('store paths', () => {
  it('rejects paths that escape the store', () => {
    for (const bad of [
      '../x.txt',
      'secrets/../x.txt',
      '/etc/passwd',
      'secrets/..\\x.txt',
      'C:/x',
      'secrets/a/../../x',
      'other/x.txt',
    ])
      assert.throws(() => checkStorePath('secrets', bad), /secret path/, bad);
    assert.throws(() => checkStorePath('../up', '../up/x.txt'), /outside the project/);
    for (const good of ['secrets/x.txt', 'secrets/wex/x.txt', 'secrets/a.b..c.txt']) checkStorePath('secrets', good);
  });
});

describe('.gitignore completion', () => {
  const wanted = wantedIgnoreLines(['secrets'], ['secrets', 'secrets/wex'], true);

  it('re-includes a tenant folder so its templates stay committable', () => {
    assert.deepEqual(wanted, [
      '/secrets/*',
      '!/secrets/*.example',
      '!/secrets/.gitkeep',
      '!/secrets/wex/',
      '/secrets/wex/*',
      '!/secrets/wex/*.example',
      '/.envplane/',
      '.env',
    ]);
  });

  it('appends only missing lines in one marked block, keeps the rest, and is a no-op when complete', () => {
    const first = completeGitignore('node_modules/\n.envplane/\n/.envplane/\n', wanted);
    assert.ok(first);
    assert.ok(first.text.startsWith('node_modules/\n.envplane/\n/.envplane/\n'));
    const crlf = completeGitignore('dist\r\n', wanted);
    assert.ok(crlf?.text.startsWith(`dist\r\n\r\n${BLOCK_START}\r\n/secrets/*\r\n`), 'CRLF files stay CRLF');
    assert.ok(!first.added.includes('/.envplane/'));
    assert.ok(first.text.includes(`${BLOCK_START}\n/secrets/*\n`));
    assert.ok(first.text.endsWith(`${BLOCK_END}\n`));
    assert.equal(completeGitignore(first.text, wanted), undefined);
    // A later need (a new tenant) lands inside the existing block.
    const more = wantedIgnoreLines(['secrets'], ['secrets', 'secrets/wex', 'secrets/acme'], true);
    const second = completeGitignore(first.text, more);
    assert.ok(second);
    assert.equal(second.text.split(BLOCK_START).length, 2);
    assert.ok(second.text.indexOf('/secrets/acme/*') < second.text.indexOf(BLOCK_END));
  });

  it('re-includes every folder between the store and a deeper tenant folder (a custom tenantPattern)', () => {
    // tenantPattern "clients/{tenant}/{name}.secret": the templates sit two folders below the store. Git never
    // looks inside an ignored folder, so vault/clients must be re-included before vault/clients/wex can be.
    const nested = wantedIgnoreLines(['vault'], ['vault/runtime', 'vault/clients/wex', 'vault/clients/acme'], false);
    assert.deepEqual(nested, [
      '/vault/*',
      '!/vault/*.example',
      '!/vault/.gitkeep',
      '!/vault/clients/',
      '/vault/clients/*',
      '!/vault/clients/*.example',
      '!/vault/runtime/',
      '/vault/runtime/*',
      '!/vault/runtime/*.example',
      '!/vault/clients/acme/',
      '/vault/clients/acme/*',
      '!/vault/clients/acme/*.example',
      '!/vault/clients/wex/',
      '/vault/clients/wex/*',
      '!/vault/clients/wex/*.example',
      '/.envplane/',
    ]);
    // What git itself makes of them, written fresh and as the completion of a block an older setup wrote.
    const older = nested.filter((l) => !l.startsWith('!/vault/clients/') && !l.startsWith('/vault/clients/*'));
    const completed = completeGitignore(`${BLOCK_START}\n${older.join('\n')}\n${BLOCK_END}\n`, nested);
    assert.ok(completed);
    for (const text of [`${nested.join('\n')}\n`, completed.text]) {
      const dir = tempDir();
      writeFileSync(join(dir, '.gitignore'), text);
      assert.equal(spawnSync('git', ['init', '-q'], { cwd: dir }).status, 0, 'git is required for this test');
      const ignored = (path: string) => {
        const r = spawnSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: dir });
        assert.ok(r.status === 0 || r.status === 1, `git check-ignore: ${r.error ?? r.stderr}`);
        return r.status === 0;
      };
      for (const path of ['vault/clients/wex/api_token.secret', 'vault/clients/x.secret', 'vault/runtime/db.secret'])
        assert.ok(ignored(path), `${path} must be ignored`);
      for (const path of ['vault/clients/wex/api_token.secret.example', 'vault/runtime/db.secret.example'])
        assert.ok(!ignored(path), `${path} must stay committable`);
    }
    // The innermost store wins when stores nest; a folder outside every store adds nothing between.
    assert.deepEqual(
      wantedIgnoreLines(['s', 's/prod'], ['s/prod/t/wex'], false).filter(
        (l) => l.startsWith('!/s/') && l.endsWith('/'),
      ),
      ['!/s/prod/t/', '!/s/prod/t/wex/'],
    );
    assert.deepEqual(
      wantedIgnoreLines(['vault'], ['elsewhere/a/b'], false).filter((l) => l.startsWith('!/') && l.endsWith('/')),
      ['!/elsewhere/a/b/'],
    );
  });

  it('repeats a negation that an added pattern would otherwise cancel', () => {
    const next = completeGitignore('!/secrets/*.example\n', wanted);
    assert.ok(next);
    const lines = next.text.split('\n');
    assert.ok(lines.lastIndexOf('!/secrets/*.example') > lines.indexOf('/secrets/*'));
  });
});
