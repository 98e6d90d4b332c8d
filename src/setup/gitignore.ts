/**
 * The `.gitignore` lines that keep real secret files, envplane's state and exported env files out of git while the
 * `.example` templates and `.gitkeep` stay committable. Existing lines are never touched; missing ones are appended in
 * one marked block. Pure.
 */

export const BLOCK_START = '# >>> envplane: secret files, state and exported env files stay out of git';
export const BLOCK_END = '# <<< envplane';

/**
 * `secretDirs`: every folder that holds secret files, relative to the root (`secrets`, `secrets/wex`). A nested folder
 * must be re-included before its files can be ignored one by one, or its `.example` files would be ignored too; so
 * must every folder between it and its store (`vault/clients` for `vault/clients/wex`, with a `tenantPattern` of
 * `clients/{tenant}/{name}`): git never looks inside an ignored folder, whatever a later line re-includes.
 */
export function wantedIgnoreLines(storeDirs: string[], secretDirs: string[], ignoreDotEnv: boolean): string[] {
  const lines: string[] = [];
  const push = (line: string) => {
    if (!lines.includes(line)) lines.push(line);
  };
  const between = secretDirs.flatMap((dir) => foldersBelowStore(storeDirs, dir));
  const dirs = [...new Set([...storeDirs, ...secretDirs, ...between])].sort(
    (a, b) => depth(a) - depth(b) || a.localeCompare(b),
  );
  for (const dir of dirs) {
    const d = escapePattern(dir);
    if (!storeDirs.includes(dir)) push(`!/${d}/`);
    push(`/${d}/*`);
    push(`!/${d}/*.example`);
    if (storeDirs.includes(dir)) push(`!/${d}/.gitkeep`);
  }
  push('/.envplane/');
  if (ignoreDotEnv) push('.env');
  return lines;
}

/** The new text, or undefined when every wanted line is already there. */
export function completeGitignore(
  existing: string | undefined,
  wanted: string[],
): { text: string; added: string[] } | undefined {
  const text = existing ?? '';
  const present = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = wanted.filter((l) => !present.has(l));
  if (missing.length === 0) return undefined;
  // A negation only works after the pattern it undoes: when a pattern is added, the negations after it come again.
  const firstAdded = wanted.indexOf(missing[0]!);
  const added = wanted.filter((l, i) => missing.includes(l) || (i > firstAdded && l.startsWith('!')));
  // The file is extended, never rewritten: existing bytes (and line endings) stay as they were.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const block = added.map((l) => l + eol).join('');
  const endAt = text.lastIndexOf(`${eol}${BLOCK_END}`);
  if (endAt !== -1 && text.lastIndexOf(BLOCK_START) !== -1 && text.lastIndexOf(BLOCK_START) < endAt)
    return { text: text.slice(0, endAt + eol.length) + block + text.slice(endAt + eol.length), added };
  const base = text === '' || text.endsWith('\n') ? text : text + eol;
  const gap = base === '' || base.endsWith(`${eol}${eol}`) ? '' : eol;
  return { text: `${base}${gap}${BLOCK_START}${eol}${block}${BLOCK_END}${eol}`, added };
}

/** The folders strictly between the innermost store folder holding `dir` and `dir` itself. */
function foldersBelowStore(storeDirs: string[], dir: string): string[] {
  const store = storeDirs.filter((s) => dir.startsWith(`${s}/`)).sort((a, b) => b.length - a.length)[0];
  if (store === undefined) return [];
  const parts = dir.slice(store.length + 1).split('/');
  return parts.slice(0, -1).map((_, i) => `${store}/${parts.slice(0, i + 1).join('/')}`);
}

function depth(path: string): number {
  return path.split('/').length;
}

/** Escapes gitignore's special characters in a literal path. */
function escapePattern(path: string): string {
  return path.replace(/[\\*?[\]!# ]/g, (c) => `\\${c}`);
}
