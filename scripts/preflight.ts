/**
 * The test runner's preflight: before any test starts, every tool the selected tests need (scripts/tools.ts) is
 * looked for, and the missing ones are listed together with the one `apt-get` line that installs them. Running as
 * root with CI=true, it runs that line itself (so a clean CI machine and a newcomer's machine take one path). The
 * decisions are pure functions of the table and of what was found, tested in test/suite/preflight.test.ts; the
 * probing and installing are at the bottom.
 *
 * `node --import tsx scripts/preflight.ts [filters…]` exits 0 when everything is there, 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TOOLS, type Tool } from './tools.ts';

/** The tools the selected test files need (a file needs a tool when its path contains one of the tool's `usedBy`). */
export function neededTools(tools: Tool[], files: string[]): Tool[] {
  return tools.filter((t) => files.some((f) => t.usedBy.some((u) => f.includes(u))));
}

/** The one command that installs `missing` (packages deduplicated and sorted), or undefined when none has a package. */
export function aptLine(missing: Tool[]): string | undefined {
  const packages = [...new Set(missing.flatMap((t) => (t.debian ? [t.debian] : [])))].sort();
  if (packages.length === 0) return undefined;
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

export type Decision =
  | { action: 'run' }
  | { action: 'install'; line: string; packages: string[] }
  | { action: 'stop'; report: string };

/**
 * What to do about `missing`: nothing missing runs the tests; root under CI=true installs what has a package (and
 * stops on what has none); anyone else gets the list and the command, and the tests do not start.
 */
export function decide(missing: Tool[], who: { root: boolean; ci: boolean }): Decision {
  if (missing.length === 0) return { action: 'run' };
  const line = aptLine(missing);
  const manual = missing.filter((t) => !t.debian);
  if (who.root && who.ci && line && manual.length === 0)
    return { action: 'install', line, packages: [...new Set(missing.map((t) => t.debian!))].sort() };
  return { action: 'stop', report: report(missing) };
}

/** The newcomer's answer: every missing tool with why the tests need it, then the command(s) that fix it. */
export function report(missing: Tool[]): string {
  const source = (t: Tool) => (t.debian ? `Debian package ${t.debian}` : 'no Debian package');
  const width = Math.max(...missing.map((t) => t.name.length));
  const from = Math.max(...missing.map((t) => source(t).length));
  const lines = [`The tests need ${missing.length} tool(s) this machine does not have:`, ''];
  for (const t of missing) lines.push(`  ${t.name.padEnd(width)}  ${source(t).padEnd(from)}  ${t.why}`);
  const line = aptLine(missing);
  lines.push('');
  if (line) lines.push('Install them with:', '', `  sudo sh -c '${line}'`, '');
  for (const t of missing.filter((x) => !x.debian)) lines.push(`${t.name}: ${t.manual ?? 'install it by hand'}`);
  lines.push('(As root with CI=true, `npm test` installs the Debian packages itself.)');
  return `${lines.join('\n')}\n`;
}

/** Expands a path with `*` segments to the paths that exist. */
export function expand(pattern: string, list: (dir: string) => string[]): string[] {
  const parts = pattern.split('/');
  let paths = [parts[0] === '' ? '/' : ''];
  for (const part of parts.slice(1)) {
    if (part === '*') paths = paths.flatMap((p) => list(p).map((name) => join(p, name)));
    else paths = paths.map((p) => join(p, part));
  }
  return paths;
}

// --- effects: probing the machine, installing -------------------------------------------------------------------

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether `tool` is on this machine. */
export function present(tool: Tool, env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const found = (tool.anyOf ?? []).some((c) =>
    c.includes('/') ? expand(c, listDir).some(executable) : dirs.some((d) => executable(join(d, c))),
  );
  if (tool.anyOf && !found) return false;
  if (!tool.probe) return found;
  return spawnSync(tool.probe[0]!, tool.probe.slice(1), { stdio: 'ignore', env }).status === 0;
}

/** Checks (and under CI as root installs) the tools `files` need; returns whether the tests may start. */
export function preflight(files: string[]): boolean {
  const needed = neededTools(TOOLS, files);
  const missing = needed.filter((t) => !present(t));
  const decision = decide(missing, { root: process.getuid?.() === 0, ci: process.env.CI === 'true' });
  if (decision.action === 'run') return true;
  if (decision.action === 'stop') {
    process.stderr.write(decision.report);
    return false;
  }
  process.stderr.write(`preflight: installing ${decision.packages.join(' ')} (root, CI=true)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...decision.packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  const still = needed.filter((t) => !present(t));
  if (update.status === 0 && install.status === 0 && still.length === 0) return true;
  process.stderr.write(`preflight: apt-get did not provide everything.\n${report(still.length ? still : missing)}`);
  return false;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  process.exit(preflight(files.length > 0 ? files : ['']) ? 0 : 1);
}
