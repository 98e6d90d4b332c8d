/**
 * The bytes `envplane scan` reads: working-tree files (what git tracks or would add, plus build output, which git
 * usually ignores and which is exactly what ships to browsers), staged blobs, or every blob in the history. Git
 * objects come from one `git cat-file --batch` stream, not one process per file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvplaneError } from '../errors.ts';

/** Larger files are skipped with a notice: secrets live in text and bundles, not in 50 MB media. */
export const MAX_SCAN_BYTES = 50 * 1024 * 1024;

export type ScanSource =
  | { kind: 'content'; path: string; bytes: Buffer; blob?: string }
  | { kind: 'skipped'; path: string; reason: 'too-large' | 'unreadable'; size?: number; blob?: string };

function git(cwd: string, args: string[], input?: string): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    input: input ?? '',
    maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new EnvplaneError('failure', 'git is not installed', { hint: 'install git (apt-get install git)' });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The top folder of the repository that holds `dir`, or undefined outside one. */
export function repositoryRoot(dir: string): string | undefined {
  const r = git(dir, ['rev-parse', '--show-toplevel']);
  return r.ok ? r.stdout.trim() : undefined;
}

// ---- working tree -------------------------------------------------------------------------------------------

/** Reads each path under root; links, folders and vanished files are passed over, large files are reported. */
export function* readWorkingFiles(root: string, paths: readonly string[]): Generator<ScanSource> {
  for (const path of paths) {
    const abs = join(root, path);
    let size: number;
    try {
      const stat = lstatSync(abs);
      if (!stat.isFile()) continue;
      size = stat.size;
    } catch {
      continue;
    }
    if (size > MAX_SCAN_BYTES) {
      yield { kind: 'skipped', path, reason: 'too-large', size };
      continue;
    }
    try {
      yield { kind: 'content', path, bytes: readFileSync(abs) };
    } catch {
      yield { kind: 'skipped', path, reason: 'unreadable' };
    }
  }
}

// ---- git objects --------------------------------------------------------------------------------------------

interface BlobRef {
  blob: string;
  path: string;
}

/** Blobs staged for the next commit (added, copied, modified, renamed, type-changed), paths from the repo top. */
export function stagedBlobs(repo: string): BlobRef[] {
  const changed = git(repo, ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMRT', '--no-renames']);
  if (!changed.ok) throw new EnvplaneError('failure', 'git diff --cached failed', { hint: changed.stderr.trim() });
  const wanted = new Set(changed.stdout.split('\0').filter(Boolean));
  const staged = git(repo, ['ls-files', '--stage', '-z']);
  const out: BlobRef[] = [];
  for (const record of staged.stdout.split('\0')) {
    const match = /^(\d{6}) ([0-9a-f]{40,64}) \d\t(.*)$/s.exec(record);
    if (!match || !wanted.has(match[3]!)) continue;
    // Links and submodules hold no file content of their own.
    if (match[1] === '120000' || match[1] === '160000') continue;
    out.push({ blob: match[2]!, path: match[3]! });
  }
  return out;
}

/** Every blob reachable from any ref (branches, tags, stash, notes), each once, with a path it had. */
export function historyBlobs(repo: string): BlobRef[] {
  const listed = git(repo, ['rev-list', '--all', '--objects', '--filter=object:type=blob']);
  if (!listed.ok) throw new EnvplaneError('failure', 'git rev-list failed', { hint: listed.stderr.trim() });
  const out: BlobRef[] = [];
  for (const line of listed.stdout.split('\n')) {
    const space = line.indexOf(' ');
    // Commits are listed bare; with the blob filter every object with a path is a blob.
    if (space === -1) continue;
    out.push({ blob: line.slice(0, space), path: line.slice(space + 1) });
  }
  return out;
}

/** The blobs' contents through one `git cat-file --batch`; blobs over the size limit are reported, not read. */
export async function* readBlobs(repo: string, refs: readonly BlobRef[]): AsyncGenerator<ScanSource> {
  if (refs.length === 0) return;
  const sizes = git(
    repo,
    ['cat-file', '--batch-check=%(objectname) %(objectsize)'],
    refs.map((r) => r.blob).join('\n'),
  );
  const sizeOf = new Map<string, number>();
  for (const line of sizes.stdout.split('\n')) {
    const [blob, size] = line.split(' ');
    if (blob && size) sizeOf.set(blob, Number(size));
  }
  const toRead: BlobRef[] = [];
  for (const ref of refs) {
    const size = sizeOf.get(ref.blob);
    if (size === undefined) continue;
    if (size > MAX_SCAN_BYTES) yield { kind: 'skipped', path: ref.path, reason: 'too-large', size, blob: ref.blob };
    else toRead.push(ref);
  }
  let i = 0;
  for await (const bytes of catFileBatch(
    repo,
    toRead.map((r) => r.blob),
  )) {
    const ref = toRead[i++]!;
    yield { kind: 'content', path: ref.path, bytes, blob: ref.blob };
  }
}

/** Contents of objects in request order, parsed from the `<sha> <type> <size>\n<bytes>\n` stream. */
async function* catFileBatch(repo: string, objects: readonly string[]): AsyncGenerator<Buffer> {
  const child = spawn('git', ['-C', repo, 'cat-file', '--batch'], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  child.stdin.on('error', () => {});
  child.stdin.end(`${objects.join('\n')}\n`);
  let pending: Buffer = Buffer.alloc(0);
  let body: Buffer[] = [];
  let bodyBytes = 0;
  let want = -1;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (want === -1) {
        const nl = pending.indexOf(0x0a);
        if (nl === -1) break;
        const header = pending.subarray(0, nl).toString('latin1').split(' ');
        pending = pending.subarray(nl + 1);
        if (header[1] === 'missing') throw new EnvplaneError('failure', `git object ${header[0]} is missing`);
        want = Number(header[2]);
        body = [];
        bodyBytes = 0;
      }
      const take = Math.min(want - bodyBytes, pending.length);
      if (take > 0) {
        body.push(pending.subarray(0, take));
        bodyBytes += take;
        pending = pending.subarray(take);
      }
      // The body is followed by one newline before the next header.
      if (bodyBytes < want || pending.length === 0) break;
      pending = pending.subarray(1);
      want = -1;
      yield body.length === 1 ? body[0]! : Buffer.concat(body);
    }
  }
}

/**
 * The commit that first brought each blob into the history and the path it had there: one walk of the whole log
 * (oldest first), only asked for blobs that hold a finding.
 */
export function introducingCommits(
  repo: string,
  blobs: ReadonlySet<string>,
): Map<string, BlobRef & { commit: string }> {
  const found = new Map<string, BlobRef & { commit: string }>();
  if (blobs.size === 0) return found;
  const log = git(repo, [
    'log',
    '--all',
    '--reverse',
    '--format=commit %H',
    '--raw',
    '--no-abbrev',
    '--no-renames',
    '-z',
  ]);
  // -z output: `commit <sha>` NUL, then per file `\n:<modes> <old sha> <new sha> <status>` NUL `<path>` NUL.
  const fields = log.stdout.split('\0');
  let commit = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!.replace(/^\n/, '');
    if (field.startsWith('commit ')) commit = field.slice(7);
    else if (field.startsWith(':')) {
      const blob = field.split(' ')[3];
      const path = fields[++i] ?? '';
      if (blob && blobs.has(blob) && !found.has(blob)) found.set(blob, { blob, path, commit });
    }
  }
  return found;
}
