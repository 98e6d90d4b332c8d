import { statSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { EnvplaneError } from '../../errors.ts';
import {
  historyBlobs,
  introducingCommits,
  readBlobs,
  readWorkingFiles,
  repositoryRoot,
  type ScanSource,
  stagedBlobs,
} from '../../io/scan-sources.ts';
import { isOtherWriterAlive } from '../../io/atomic.ts';
import { walkFiles } from '../../io/walk.ts';
import { trackedFiles, untrackedFiles } from '../../io/git.ts';
import { loadProject } from '../../project/load.ts';
import { collectKnownValues, type KnownValues, secretSources } from '../../scan/known.ts';
import { reportJson, reportText, type ScanMode, type ScanReport } from '../../scan/report.ts';
import { buildScanner, MIN_VALUE_LENGTH, scanContent, type Scanner } from '../../scan/scanner.ts';
import { DEFAULT_BUILD_DIRS, parseBuildDirs, worktreePlan } from '../../scan/worktree.ts';
import { readSecretValue } from '../../stores/read.ts';
import { dirArg, jsonArg } from '../_args.ts';
import { EXIT } from '../_fail.ts';
import { style } from '../_style.ts';

export default defineCommand({
  meta: {
    name: 'scan',
    description: 'Find known secret values (and secret-shaped strings) in files, staged changes, history or builds',
  },
  args: {
    staged: { type: 'boolean', description: 'Scan the blobs staged for the next commit (default: false)' },
    history: { type: 'boolean', description: 'Scan every blob reachable from any git ref (default: false)' },
    'build-dirs': {
      type: 'string',
      description: `Build output folders to scan even when git ignores them (default: ${DEFAULT_BUILD_DIRS.join(',')})`,
      valueHint: 'dirs',
    },
    patterns: {
      type: 'boolean',
      default: true,
      description: 'Also warn about secret-shaped strings',
      negativeDescription: 'Search for known values only, no secret-shaped strings (default: patterns on)',
    },
    strict: {
      type: 'boolean',
      description: 'Exit 1 on secret-shaped strings too, not only known values (default: false)',
    },
    progress: {
      type: 'boolean',
      description: 'Show files and MB scanned on stderr (default: only when stderr is a terminal)',
    },
    ...jsonArg,
    ...dirArg,
  },
  async run({ args }) {
    if (args.staged && args.history)
      throw new EnvplaneError('usage', '--staged and --history cannot be combined', {
        hint: 'run them one after the other',
      });
    const buildDirs = parseBuildDirs(args['build-dirs'] ?? DEFAULT_BUILD_DIRS.join(','));
    if (!Array.isArray(buildDirs))
      throw new EnvplaneError('usage', buildDirs.error, { hint: 'name folders inside the project' });
    const mode: ScanMode = args.staged ? 'staged' : args.history ? 'history' : 'worktree';

    const project = loadProject({ ...(args.dir ? { dir: args.dir } : {}), requireLayers: false });
    const known = collectKnownValues(
      secretSources(project.manifest, project.layers),
      // Only searched for: a file another account could have written is still worth finding.
      // A secret manager is not reached (credentials, network): its values are not known here.
      (location) =>
        location.kind === 'store'
          ? undefined
          : readSecretValue(project.root, location, project.layers, { untrusted: 'read' }),
      MIN_VALUE_LENGTH,
    );
    const scanner = buildScanner(known.values);
    const progress =
      args.progress || process.stderr.isTTY === true ? new Progress(process.stderr.isTTY === true) : undefined;

    const report = await runScan(mode, project.root, buildDirs, known, scanner, args.patterns !== false, progress);
    // A folder the user named that is not there is most likely a typo: said, so a CI step does not scan nothing.
    if (args['build-dirs'] !== undefined && mode === 'worktree')
      for (const dir of buildDirs)
        if (!statSync(join(project.root, dir), { throwIfNoEntry: false })?.isDirectory())
          report.notices.push({ file: dir, reason: 'no such folder (named by --build-dirs)' });
    progress?.done(report.stats.files, report.stats.bytes);
    process.stdout.write(
      args.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : reportText(report, style, args.strict === true),
    );
    if (report.leaks.length > 0) return EXIT.problems;
    return args.strict && report.warnings.length > 0 ? EXIT.problems : EXIT.ok;
  },
});

async function runScan(
  mode: ScanMode,
  root: string,
  buildDirs: string[],
  known: KnownValues,
  scanner: Scanner,
  patterns: boolean,
  progress: Progress | undefined,
): Promise<ScanReport> {
  const report: ScanReport = {
    mode,
    leaks: [],
    warnings: [],
    homes: [],
    notices: [],
    stats: {
      files: 0,
      bytes: 0,
      knownValues: known.values.length,
      skippedShort: known.skippedShort,
      withoutValue: known.missing,
    },
  };
  const repo = repositoryRoot(root);
  let sources: AsyncIterable<ScanSource> | Iterable<ScanSource>;
  if (mode === 'worktree') {
    const listed = repo
      ? [...trackedFiles(root), ...untrackedFiles(root)]
      : walkFiles(root, '.', { skip: new Set(['.git', 'node_modules']) });
    const built = buildDirs.flatMap((d) => walkFiles(root, d));
    const plan = worktreePlan([...listed, ...built], known.storeFiles, isOtherWriterAlive);
    for (const temp of plan.liveTemps)
      report.notices.push({
        file: temp.path,
        reason: `envplane's own temp file, still being written (pid ${temp.pid})`,
      });
    sources = readWorkingFiles(root, plan.paths);
  } else {
    if (!repo)
      throw new EnvplaneError('usage', `--${mode} needs a git repository, and ${root} is not in one`, {
        hint: 'run `git init`, or scan the working tree without --staged/--history',
      });
    sources = readBlobs(repo, mode === 'staged' ? stagedBlobs(repo) : historyBlobs(repo));
  }

  const blobOf = new Map<object, string>();
  for await (const source of sources) {
    if (source.kind === 'skipped') {
      report.notices.push({
        file: source.path,
        reason: source.reason === 'too-large' ? `larger than 50 MB (${source.size} bytes)` : 'unreadable',
        ...(source.size !== undefined ? { size: source.size } : {}),
        ...(source.blob ? { blob: source.blob } : {}),
      });
      continue;
    }
    report.stats.files++;
    report.stats.bytes += source.bytes.length;
    progress?.update(report.stats.files, report.stats.bytes);
    const hits = scanContent(scanner, source.bytes, patterns ? () => source.bytes.toString('latin1') : undefined);
    const homeLines = mode === 'worktree' ? known.layerHomes.get(source.path) : undefined;
    for (const hit of hits.values) {
      const finding = {
        file: source.path,
        line: hit.line,
        column: hit.column,
        secrets: known.owners[hit.value]!,
        encoding: hit.encoding,
      };
      if (source.blob) blobOf.set(finding, source.blob);
      // Any form counts on the defining line: a quoted .env value may hold the value escaped (`\n`, `\"`).
      const isHome = homeLines?.get(hit.line) === hit.value;
      (isHome ? report.homes : report.leaks).push(finding);
    }
    for (const hit of hits.patterns) {
      const warning = { file: source.path, line: hit.line, column: hit.column, pattern: hit.pattern };
      if (source.blob) blobOf.set(warning, source.blob);
      report.warnings.push(warning);
    }
  }

  if (mode === 'history' && repo) {
    // Name the commit that first added each blob, and the path it had there.
    const found = [...report.leaks, ...report.warnings];
    const origins = introducingCommits(repo, new Set(found.map((f) => blobOf.get(f)!)));
    for (const f of found) {
      const origin = origins.get(blobOf.get(f)!);
      if (origin) {
        f.commit = origin.commit;
        f.file = origin.path;
      }
    }
  }
  return report;
}

/** One line on stderr, rewritten in place on a terminal, or a line every second with --progress into a file. */
class Progress {
  private last = 0;
  private shown = false;
  constructor(private readonly inPlace: boolean) {}

  update(files: number, bytes: number): void {
    const now = Date.now();
    if (now - this.last < (this.inPlace ? 100 : 1000)) return;
    this.last = now;
    this.shown = true;
    const text = `scanning: ${files} files, ${(bytes / 1e6).toFixed(1)} MB`;
    process.stderr.write(this.inPlace ? `\r${text}\x1b[K` : `${text}\n`);
  }

  done(files: number, bytes: number): void {
    if (this.inPlace) {
      if (this.shown) process.stderr.write('\r\x1b[K');
    } else process.stderr.write(`scanned: ${files} files, ${(bytes / 1e6).toFixed(1)} MB\n`);
  }
}
