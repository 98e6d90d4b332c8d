/**
 * The test runner's preflight (scripts/preflight.ts): which tools a run needs, the one apt-get line, and what it
 * does about them (run, install as root under CI, or stop with the list). The table itself: every row is usable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aptLine, decide, expand, neededTools, present, report } from '../../scripts/preflight.ts';
import { TOOLS, type Tool } from '../../scripts/tools.ts';

const tool = (name: string, debian: string | undefined, usedBy: string[]): Tool => ({
  name,
  anyOf: [name],
  why: `${name} is needed`,
  usedBy,
  ...(debian ? { debian } : { manual: `get ${name} by hand` }),
});
const kubectl = tool('kubectl', 'kubernetes-client', ['targets/k8s']);
const git = tool('git', 'git', ['']);
const compose = tool('docker-compose', 'docker-compose', ['targets/', 'export/']);
const pyyaml = tool('pyyaml', 'python3-yaml', ['targets/']);
const moto = tool('moto_server', undefined, ['stores/aws']);

describe('preflight', () => {
  it('a narrowed run needs only the tools of its files; an empty usedBy entry means every file', () => {
    const table = [kubectl, git, compose, moto];
    assert.deepEqual(
      neededTools(table, ['test/dotenv/parse.test.ts']).map((t) => t.name),
      ['git'],
    );
    assert.deepEqual(
      neededTools(table, ['test/targets/k8s.test.ts']).map((t) => t.name),
      ['kubectl', 'git', 'docker-compose'],
    );
    assert.deepEqual(neededTools(table, []), []);
  });

  it('one apt-get line: packages deduplicated and sorted, tools without a package left out', () => {
    const again = tool('docker-compose-v1', 'docker-compose', ['']);
    assert.equal(
      aptLine([pyyaml, compose, again, moto, kubectl]),
      'apt-get update && apt-get install -y --no-install-recommends docker-compose kubernetes-client python3-yaml',
    );
    assert.equal(aptLine([moto]), undefined);
  });

  it('runs when nothing is missing, installs as root under CI, stops with the list otherwise', () => {
    assert.deepEqual(decide([], { root: false, ci: false }), { action: 'run' });
    assert.deepEqual(decide([kubectl, git, compose], { root: true, ci: true }), {
      action: 'install',
      line: 'apt-get update && apt-get install -y --no-install-recommends docker-compose git kubernetes-client',
      packages: ['docker-compose', 'git', 'kubernetes-client'],
    });
    for (const who of [
      { root: true, ci: false },
      { root: false, ci: true },
      { root: false, ci: false },
    ])
      assert.equal(decide([kubectl], who).action, 'stop', JSON.stringify(who));
    // A tool apt cannot provide stops even CI, naming how to get it.
    const d = decide([kubectl, moto], { root: true, ci: true });
    assert.equal(d.action, 'stop');
    assert.match(d.action === 'stop' ? d.report : '', /moto_server: get moto_server by hand/);
  });

  it('the report names every missing tool, why, and the one install line', () => {
    const text = report([kubectl, compose]);
    assert.match(text, /need 2 tool\(s\)/);
    assert.match(text, /kubectl +Debian package kubernetes-client +kubectl is needed/);
    assert.match(text, /docker-compose +Debian package docker-compose/);
    assert.equal(text.match(/apt-get install/g)?.length, 1);
  });

  it('expands `*` path segments to the folders that exist (a PostgreSQL version)', () => {
    const tree: Record<string, string[]> = { '/usr/lib/postgresql': ['15', '16'] };
    assert.deepEqual(
      expand('/usr/lib/postgresql/*/bin/initdb', (d) => tree[d] ?? []),
      ['/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/16/bin/initdb'],
    );
    assert.deepEqual(
      expand('/nowhere/*/x', () => []),
      [],
    );
  });

  it('looks tools up on PATH and by path; a failing probe means missing', () => {
    const node = { name: 'node', anyOf: [process.execPath], why: '', usedBy: [''] };
    assert.equal(present(node), true);
    assert.equal(present({ ...node, anyOf: ['no-such-tool-here'] }), false);
    assert.equal(present({ ...node, anyOf: ['node'] }, { PATH: '/nonexistent' }), false);
    assert.equal(present({ ...node, probe: [process.execPath, '-e', 'process.exit(3)'] }), false);
    assert.equal(present({ ...node, probe: [process.execPath, '-e', '0'] }), true);
  });

  it('every row of the table says why, names a package or how to get it, and is used by some test path', () => {
    for (const t of TOOLS) {
      assert.ok(t.why.length > 0, t.name);
      assert.ok(t.debian || t.manual, `${t.name}: neither a Debian package nor a manual step`);
      assert.ok(t.anyOf?.length || t.probe, `${t.name}: nothing to look for`);
      assert.ok(t.usedBy.length > 0, `${t.name}: no test needs it`);
    }
  });
});
