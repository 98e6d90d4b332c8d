/**
 * The one writer of rendered files: write each atomically (0644, or 0600 when it carries secret values), or with
 * `--check` compare it with what is on disk and produce a unified diff. It refuses to overwrite the project's own
 * inputs (manifest, layers, secret files) and any existing file envplane did not generate, unless forced.
 */
import { dirname, resolve } from 'node:path';
import { EnvplaneError } from '../errors.ts';
import { maskSecretText, unifiedDiff } from '../targets/_diff.ts';
import { IAM_SIDS } from '../targets/iam-policy.ts';
import { GENERATED_MARK, type RenderedFile } from '../targets/types.ts';
import { removeStaleTemps, writeFileAtomic } from './atomic.ts';
import { readTextIfExists } from './read.ts';

export interface EmitOptions {
  root: string;
  /** Compare instead of writing. */
  check: boolean;
  /** Overwrite an existing file that lacks envplane's header. */
  force: boolean;
  /** Project-relative paths that are inputs and must never be overwritten. */
  inputs: string[];
  /**
   * With `check`: replaces every known secret value (in each of its encodings) in a text before it is diffed, so a
   * value pasted by hand into a rendered file never reaches the diff or `--json`.
   */
  mask?: (text: string) => string;
}

export type EmitStatus = 'written' | 'unchanged' | 'drifted' | 'missing';

export interface EmitResult {
  path: string;
  status: EmitStatus;
  /** For `drifted` and `missing` under `--check`; masked when the file carries secret values. */
  diff?: string;
}

export function emitFiles(files: RenderedFile[], options: EmitOptions): EmitResult[] {
  const inputs = new Set(options.inputs.map((p) => resolve(options.root, p)));
  for (const file of files)
    if (inputs.has(resolve(options.root, file.path)))
      throw new EnvplaneError('usage', `refusing to write over ${file.path}: it is one of the project's inputs`, {
        hint: 'choose another output path with -o',
      });
  // Regular files only: an output that is a FIFO would block this read forever (the writer refuses it anyway).
  const before = files.map((file) =>
    readTextIfExists(resolve(options.root, file.path), file.path, { regularOnly: true }),
  );
  if (!options.check && !options.force)
    files.forEach((file, i) => {
      const text = before[i];
      if (text !== undefined && text !== file.contents && !generatedByEnvplane(text))
        throw new EnvplaneError('usage', `refusing to overwrite ${file.path}: envplane did not generate it`, {
          location: { file: file.path },
          hint: 'pick another path with -o, or pass --force to replace it',
        });
    });
  const mask = options.mask ?? ((text: string) => text);
  return files.map((file, i) =>
    options.check ? compare(file, before[i], mask) : write(options.root, file, before[i]),
  );
}

function compare(file: RenderedFile, onDisk: string | undefined, mask: (text: string) => string): EmitResult {
  if (onDisk === file.contents) return { path: file.path, status: 'unchanged' };
  const own = new Set(file.contents.split('\n'));
  const shown = (text: string) => (file.secret ? maskSecretText(mask(text), own) : mask(text));
  const diff = unifiedDiff(
    shown(onDisk ?? ''),
    shown(file.contents),
    onDisk === undefined ? '/dev/null' : `a/${file.path}`,
    `b/${file.path}`,
  );
  return {
    path: file.path,
    status: onDisk === undefined ? 'missing' : 'drifted',
    diff: diff || '(the files differ only in masked secret values)\n',
  };
}

function write(root: string, file: RenderedFile, onDisk: string | undefined): EmitResult {
  // A secret-bearing file is rewritten even when equal, so its mode is put back to 0600.
  if (onDisk === file.contents && !file.secret) return { path: file.path, status: 'unchanged' };
  const mode = file.mode ?? (file.secret ? 0o600 : 0o644);
  // A render killed before its rename left a temp file beside the output (a copy of secret values, for a Secret).
  removeStaleTemps(dirname(resolve(root, file.path)));
  writeFileAtomic(resolve(root, file.path), file.contents, {
    mode,
    dirMode: file.secret ? 0o700 : 0o755,
    shownAs: file.path,
  });
  return { path: file.path, status: 'written' };
}

/** Our header in the first lines; JSON has no comments, so an ECS fragment is recognised by its shape. */
function generatedByEnvplane(text: string): boolean {
  if (text.split('\n', 5).some((line) => line.includes(GENERATED_MARK))) return true;
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null) return false;
    if (Object.keys(json).join() === 'containerDefinitions') return true;
    // An IAM policy of `render iam-policy`: only envplane's statement ids (IAM documents carry no comments).
    const doc = json as { Version?: unknown; Statement?: unknown };
    return (
      Object.keys(json).join() === 'Version,Statement' &&
      Array.isArray(doc.Statement) &&
      doc.Statement.length > 0 &&
      doc.Statement.every((st: { Sid?: unknown }) => typeof st.Sid === 'string' && IAM_SIDS.has(st.Sid))
    );
  } catch {
    return false;
  }
}
