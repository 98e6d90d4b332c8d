/**
 * `envplane scan` throughput against `git grep -F -f <values>` on the same tree in the same run: a generated git
 * repository holding ≥ 200 MB of deterministic pseudo-random text (untracked, not ignored: both tools read it),
 * an envplane.yaml with 1,000 secret keys whose values sit in a files store, and a few of them planted in the tree.
 * git grep looks for the 1,000 literal values only; envplane for ~10 encoded forms of each, plus secret-shaped
 * patterns (and once more with --no-patterns). Target: ≥ 100 MB/s.
 * Run alone: `npm run build && node --import tsx bench/scan.ts`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Row, timeCommands } from './_measure.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(REPO, 'dist', 'cli.cjs');

const FILES = 64;
const FILE_BYTES = 3.3e6;
const VALUES = 1000;

/** A small deterministic generator (xorshift32): the same tree on every machine and run. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const WORDS =
  'the of and to in is that for it as with was on be by this are or from at which but not have an they you were their one all we can her has there been if more when will would who so no config value service environment deploy build const let return function import export default async await string number boolean null undefined true false database password token secret key url host port user name id status error warning info debug'.split(
    ' ',
  );

/** Text that looks like a mix of prose, code and config: words, identifiers, numbers and a few hex ids. */
function textFile(seed: number, bytes: number): Buffer {
  const next = random(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const words = 4 + Math.floor(next() * 14);
    let line = '';
    for (let i = 0; i < words; i++) {
      const r = next();
      line += `${
        r < 0.85
          ? WORDS[Math.floor(next() * WORDS.length)]
          : r < 0.95
            ? String(Math.floor(next() * 100000))
            : Math.floor(next() * 0xffffffff).toString(16)
      } `;
    }
    if (next() < 0.1)
      line = `  ${WORDS[Math.floor(next() * WORDS.length)]!.toUpperCase()}_${Math.floor(next() * 99)}=${line}`;
    parts.push(line);
    size += line.length + 1;
  }
  return Buffer.from(parts.join('\n'));
}

/** A secret value like the generator's default (base64 of 32 bytes), derived from its index. */
function value(i: number): string {
  return createHash('sha256').update(`envplane-bench-${i}`).digest('base64');
}

interface Tree {
  dir: string;
  project: string;
  valuesFile: string;
  bytes: number;
  planted: number;
}

/** The generated project; the caller removes `dir`. */
export function makeTree(): Tree {
  const dir = mkdtempSync(join(tmpdir(), 'envplane-bench-scan-'));
  const project = join(dir, 'repo');
  mkdirSync(join(project, 'secrets'), { recursive: true });
  mkdirSync(join(project, 'src'), { recursive: true });
  const names = Array.from({ length: VALUES }, (_, i) => `s${String(i).padStart(4, '0')}`);
  writeFileSync(
    join(project, 'envplane.yaml'),
    [
      'project: bench',
      'environments:',
      '  development:',
      '    config: []',
      '    secrets: { store: files, dir: secrets }',
      'keys:',
      ...names.map((n) => `  ${n}: { plane: secret }`),
      'services:',
      `  app: { uses: [${names.join(', ')}] }`,
      '',
    ].join('\n'),
  );
  for (const [i, n] of names.entries())
    writeFileSync(join(project, 'secrets', `${n}.txt`), `${value(i)}\n`, { mode: 0o600 });
  writeFileSync(join(project, '.gitignore'), 'secrets/*.txt\n');
  // The values file lives beside the repository, so neither tool reads it as part of the tree.
  const valuesFile = join(dir, 'values.txt');
  writeFileSync(valuesFile, `${names.map((_, i) => value(i)).join('\n')}\n`);

  let bytes = 0;
  let planted = 0;
  for (let f = 0; f < FILES; f++) {
    let content = textFile(f + 1, FILE_BYTES);
    if (f % 16 === 5) {
      // A planted leak in the middle of a file, as is.
      const middle = content.indexOf(0x0a, content.length >> 1);
      content = Buffer.concat([
        content.subarray(0, middle),
        Buffer.from(`\nDB=${value(f * 7)}`),
        content.subarray(middle),
      ]);
      planted++;
    }
    writeFileSync(join(project, 'src', `file-${String(f).padStart(3, '0')}.txt`), content);
    bytes += content.length;
  }
  spawnSync('git', ['init', '-q', project]);
  return { dir, project, valuesFile, bytes, planted };
}

export async function benchScan(runs = 3): Promise<Row[]> {
  const tree = makeTree();
  try {
    const envplane = (extra: string[]) => [
      'sh',
      '-c',
      // A scan that finds the planted values exits 1; anything else is a failed run.
      `"$0" "$1" scan --dir "$2" ${extra.join(' ')} >/dev/null; test $? -eq 1`,
      process.execPath,
      CLI,
      tree.project,
    ];
    const grep = ['git', '-C', tree.project, 'grep', '--untracked', '-F', '-c', '-f', tree.valuesFile];
    // Warm the page cache and check that every tool finds what was planted.
    const found = spawnSync(process.execPath, [CLI, 'scan', '--dir', tree.project, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const leaks = JSON.parse(found.stdout).leaks.length;
    if (leaks !== tree.planted) throw new Error(`envplane scan found ${leaks} of ${tree.planted} planted values`);
    const grepped = spawnSync(grep[0]!, grep.slice(1), { encoding: 'utf8' }).stdout.trim().split('\n').length;
    if (grepped !== tree.planted) throw new Error(`git grep found ${grepped} of ${tree.planted} planted values`);

    const [ours, peer, quiet] = timeCommands(
      [
        { name: 'envplane scan', argv: envplane([]) },
        { name: 'git grep -F -f values', argv: grep },
        { name: 'envplane scan --no-patterns', argv: envplane(['--no-patterns']) },
      ],
      runs,
    );
    const mb = tree.bytes / 1e6;
    const rate = (ms: number[]) => `${(mb / (median(ms) / 1000)).toFixed(0)} MB/s`;
    // Wall time on a shared machine includes waiting for a core; CPU time (user + system) shows the work itself.
    const cpu = (argv: string[]) => {
      const before = childCpuSeconds();
      spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
      const seconds = childCpuSeconds() - before;
      return `${seconds.toFixed(2)} s CPU = ${(mb / seconds).toFixed(0)} MB/s`;
    };
    return [
      {
        benchmark: `scan ${mb.toFixed(0)} MB, ${FILES} files, ${VALUES} known values`,
        ours: ours!,
        peers: [peer!, quiet!],
        notes: [
          `wall: envplane ${rate(ours!.ms)} (--no-patterns ${rate(quiet!.ms)}), git grep ${rate(peer!.ms)}`,
          `CPU: envplane ${cpu(envplane([]))}, --no-patterns ${cpu(envplane(['--no-patterns']))}, git grep ${cpu(grep)}`,
          `envplane searches ${VALUES} values × ~10 encodings + patterns; git grep the ${VALUES} literals`,
          'target: ≥ 100 MB/s',
        ],
      },
    ];
  } finally {
    rmSync(tree.dir, { recursive: true, force: true });
  }
}

/** User + system CPU seconds of finished child processes (Linux /proc; clock ticks at the usual 100 Hz). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat (cutime, cstime) are at 13 and 14 once pid and comm are cut off.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchScan(Number(process.argv[2] ?? 3))) {
    const line = (s: { name: string; ms: number[] }) =>
      `  ${s.name}: median ${median(s.ms).toFixed(0)} ms (${s.ms.map((m) => m.toFixed(0)).join(', ')})`;
    process.stdout.write(`${row.benchmark}\n${[row.ours, ...row.peers].map(line).join('\n')}\n`);
    for (const peer of row.peers)
      process.stdout.write(`  ratio vs ${peer.name}: ${(median(row.ours.ms) / median(peer.ms)).toFixed(2)}\n`);
    process.stdout.write(`  ${row.notes?.join('\n  ')}\n`);
  }
}
