import assert from 'node:assert/strict';
import { readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GENESIS, lineHash, verifyChain } from '../../src/audit/chain.ts';
import { appendAudit, readAuditText } from '../../src/audit/log.ts';
import { runCli, tempDir } from '../_helpers.ts';

/** A project folder with `n` audit lines written by the real append. */
function logWith(n: number): string {
  const root = tempDir();
  // `audit` finds the project by its manifest, as every command does; it never parses it.
  writeFileSync(join(root, 'envplane.yaml'), 'project: audit-test\n');
  for (let i = 0; i < n; i++)
    appendAudit(root, { command: 'rotate', action: 'rotate', environment: 'development', secrets: [`s${i}`] });
  return root;
}

const logPath = (root: string) => join(root, '.envplane', 'audit.log');
const lines = (root: string) => readFileSync(logPath(root), 'utf8').split('\n').slice(0, -1);
const rewrite = (root: string, ls: string[]) => writeFileSync(logPath(root), `${ls.join('\n')}\n`);

function verify(root: string): {
  code: number;
  out: { ok: boolean; entries: number; broken: { line: number } | null };
} {
  const r = runCli(['audit', 'verify', '--json', '--dir', root], { cwd: root });
  return { code: r.code, out: JSON.parse(r.stdout) };
}

describe('audit chain hash', () => {
  it('is SHA-256 of the line as UTF-8, the same as node:crypto for any text (lone surrogates included)', () => {
    assert.equal(lineHash(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (const odd of ['\ud800', 'a\udfffb', '\u{1f511} key', 'é\u0000'])
      assert.equal(lineHash(odd), createHash('sha256').update(odd, 'utf8').digest('hex'), JSON.stringify(odd));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (line) => {
        assert.equal(lineHash(line), createHash('sha256').update(line, 'utf8').digest('hex'));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('audit log', () => {
  it('appends hash-chained lines, 0600 in a 0700 folder, with time, user and names only', () => {
    const root = logWith(3);
    assert.equal(statSync(logPath(root)).mode & 0o777, 0o600);
    assert.equal(statSync(join(root, '.envplane')).mode & 0o777, 0o700);
    const ls = lines(root);
    assert.equal(ls.length, 3);
    const entries = ls.map((l) => JSON.parse(l));
    assert.equal(entries[0].prev, GENESIS);
    assert.equal(entries[1].prev, lineHash(ls[0]!));
    assert.equal(entries[2].prev, lineHash(ls[1]!));
    assert.match(entries[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(typeof entries[0].user, 'string');
    assert.deepEqual(entries[2].secrets, ['s2']);
    assert.deepEqual(verifyChain(readAuditText(root)).broken, undefined);
    const r = verify(root);
    assert.equal(r.code, 0);
    assert.deepEqual(r.out, {
      ok: true,
      entries: 3,
      broken: null,
      anchors: [{ anchor: 'state', ok: true, lag: 0 }],
      anchored: true,
      unfinished: [],
    });
  });

  it('verify finds an edited line and names it', () => {
    const root = logWith(4);
    const ls = lines(root);
    ls[1] = ls[1]!.replace('"s1"', '"sX"');
    rewrite(root, ls);
    const r = verify(root);
    assert.equal(r.code, 1);
    assert.equal(r.out.broken?.line, 3, 'line 3 no longer follows the edited line 2');
    const text = runCli(['audit', 'verify', '--dir', root], { cwd: root });
    assert.equal(text.code, 1);
    assert.match(text.stdout, /audit\.log:3: .*edited, removed or reordered/);
  });

  it('verify finds a removed line in the middle', () => {
    const root = logWith(4);
    const ls = lines(root);
    rewrite(root, [ls[0]!, ls[2]!, ls[3]!]);
    const r = verify(root);
    assert.equal(r.code, 1);
    assert.equal(r.out.broken?.line, 2);
  });

  it('verify finds a removed first line', () => {
    const root = logWith(3);
    rewrite(root, lines(root).slice(1));
    const r = verify(root);
    assert.equal(r.code, 1);
    assert.equal(r.out.broken?.line, 1);
  });

  it('verify finds a reordered pair', () => {
    const root = logWith(5);
    const ls = lines(root);
    rewrite(root, [ls[0]!, ls[1]!, ls[3]!, ls[2]!, ls[4]!]);
    const r = verify(root);
    assert.equal(r.code, 1);
    assert.equal(r.out.broken?.line, 3);
  });

  it('verify finds a line that is not an entry, and a torn last line', () => {
    const root = logWith(2);
    rewrite(root, [...lines(root), 'not json']);
    assert.equal(verify(root).out.broken?.line, 3);
    const torn = logWith(2);
    writeFileSync(logPath(torn), readFileSync(logPath(torn), 'utf8').slice(0, -10));
    const r = verify(torn);
    assert.equal(r.code, 1);
    // the whole line before the torn one still verifies (it used to say 0)
    assert.deepEqual({ entries: r.out.entries, line: r.out.broken?.line }, { entries: 1, line: 2 });
    // a break among the whole lines is reported first, torn tail or not
    const both = logWith(3);
    const ls = lines(both);
    writeFileSync(logPath(both), `${[ls[0], 'not json', ls[2]].join('\n')}\n${ls[2]!.slice(0, 9)}`);
    assert.deepEqual(
      { entries: verify(both).out.entries, line: verify(both).out.broken?.line },
      { entries: 1, line: 2 },
    );
  });

  it('show lists recent entries (text and JSON), an empty log is fine', () => {
    const root = logWith(25);
    const r = runCli(['audit', '--dir', root], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /last 20 of 25 entries/);
    assert.match(r.stdout, /rotate rotate development: s24/);
    const json = JSON.parse(runCli(['audit', 'show', '--json', '--limit', '0', '--dir', root], { cwd: root }).stdout);
    assert.equal(json.total, 25);
    assert.equal(json.entries.length, 25);
    const empty = tempDir();
    writeFileSync(join(empty, 'envplane.yaml'), 'project: x\nenvironments: {dev: {}}\n');
    const none = runCli(['audit', 'verify'], { cwd: empty });
    assert.equal(none.code, 0, none.stderr);
    assert.equal(runCli(['audit', 'frobnicate', '--dir', root], { cwd: root }).code, 2);
  });

  it('refuses to append through a symlinked log', () => {
    const root = tempDir();
    const elsewhere = join(tempDir(), 'log');
    writeFileSync(elsewhere, '');
    appendAudit(root, { command: 'setup', action: 'generate', secrets: ['a'] });
    unlinkSync(logPath(root));
    symlinkSync(elsewhere, logPath(root));
    assert.throws(
      () => appendAudit(root, { command: 'setup', action: 'generate', secrets: ['b'] }),
      /symbolic link|audit\.log/,
    );
    assert.equal(readFileSync(elsewhere, 'utf8'), '');
  });
});

describe('audit append', () => {
  it('chains onto the last line of a long log (tail read), and never glues onto a torn line', () => {
    const root = logWith(1);
    // A long first line pushes the last complete line across the 64 KiB tail window.
    appendAudit(root, { command: 'export', action: 'export', secrets: [...Array(12_000)].map((_, i) => `s${i}`) });
    appendAudit(root, { command: 'rotate', action: 'rotate', secrets: ['after'] });
    assert.equal(verifyChain(readAuditText(root)).broken, undefined);
    const torn = logWith(2);
    writeFileSync(logPath(torn), readFileSync(logPath(torn), 'utf8').slice(0, -10));
    appendAudit(torn, { command: 'rotate', action: 'rotate', secrets: ['next'] });
    const ls = lines(torn);
    assert.equal(ls.length, 3);
    assert.deepEqual(JSON.parse(ls[2]!).secrets, ['next']);
    assert.equal(verifyChain(readAuditText(torn)).broken?.line, 2);
  });
});
