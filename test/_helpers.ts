/**
 * Shared test tools: run the built CLI as a user would, copy an example into a fresh temporary folder, hash a tree
 * to prove that nothing changed. Tests run the bundled `dist/cli.cjs` (npm test builds first).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The built CLI; ENVPLANE_TEST_CLI points the tests at another build (e.g. main's, to see a new test fail there). */
export const CLI = process.env.ENVPLANE_TEST_CLI ?? join(REPO, 'dist', 'cli.cjs');
/** Shared reference data lives beside the checkout, never inside it. */
export const SHARED = resolve(REPO, '..', 'shared');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'envplane-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A private copy of `examples/<name>` to run commands in. */
export function copyExample(name: 'four-planes' | 'service-scoped'): string {
  const dir = tempDir(`envplane-${name}-`);
  cpSync(join(REPO, 'examples', name), dir, { recursive: true });
  return dir;
}

/** Path → sha256 (or link target, or mode) of every entry under `dir`: equal hashes mean an unchanged tree. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[rel] = `link:${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[`${rel}/`] = `dir:${(st.mode & 0o777).toString(8)}`;
        walk(p);
      } else
        out[rel] = `${(st.mode & 0o777).toString(8)}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

/**
 * `hashTree` for comparing a project before and after: the audit log aside (its lines carry times), and state.json
 * without the log's anchor (`audit`: the head of that log, rewritten after every line).
 */
export function hashProject(dir: string): Record<string, string> {
  const out = hashTree(dir);
  delete out['.envplane/audit.log'];
  const state = join(dir, '.envplane', 'state.json');
  if (out['.envplane/state.json'] !== undefined) {
    try {
      const { audit: _anchor, ...rest } = JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>;
      out['.envplane/state.json'] =
        `${(lstatSync(state).mode & 0o777).toString(8)}:${createHash('sha256').update(JSON.stringify(rest)).digest('hex')}`;
    } catch {
      // not JSON: compared as bytes
    }
  }
  return out;
}
