/**
 * A unified diff of two texts, line by line (longest common subsequence), with three lines of context — what
 * `render --check` prints when a rendered file drifted. Every file is first masked against every known secret
 * value in each of its encodings (by the caller, wherever a value stands); files that carry secret values are also
 * masked line by line by shape, so a diff never shows a value, not even one a person typed into the file. Pure.
 */

const CONTEXT = 3;
/** Above this many cells the table would be too big; the diff then replaces the whole file. */
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string };

export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string): string {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // Equal head and tail lines need no table: a hand edit in a long file leaves a small middle to compare.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const same = (lines: string[]) => lines.map((line) => ({ kind: ' ' as const, line }));
  const middle = midA.length * midB.length > MAX_CELLS ? replaceAll(midA, midB) : lcsOps(midA, midB);
  const ops = [...same(a.slice(0, head)), ...middle, ...same(a.slice(a.length - tail))];
  if (ops.every((op) => op.kind === ' ')) return '';
  return `--- ${oldName}\n+++ ${newName}\n${hunks(ops).join('')}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function replaceAll(a: string[], b: string[]): Op[] {
  return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
}

function lcsOps(a: string[], b: string[]): Op[] {
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      table[i * width + j] =
        a[i] === b[j]
          ? (table[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if ((table[(i + 1) * width + j] ?? 0) >= (table[i * width + j + 1] ?? 0))
      ops.push({ kind: '-', line: a[i++]! });
    else ops.push({ kind: '+', line: b[j++]! });
  }
  while (i < a.length) ops.push({ kind: '-', line: a[i++]! });
  while (j < b.length) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}

function hunks(ops: Op[]): string[] {
  const changes = ops.flatMap((op, i) => (op.kind === ' ' ? [] : [i]));
  const out: string[] = [];
  let k = 0;
  while (k < changes.length) {
    // Changes closer than 2×CONTEXT lines share one hunk.
    let last = k;
    while (last + 1 < changes.length && changes[last + 1]! - changes[last]! <= 2 * CONTEXT + 1) last++;
    const start = Math.max(0, changes[k]! - CONTEXT);
    const end = Math.min(ops.length, changes[last]! + CONTEXT + 1);
    out.push(hunk(ops, start, end));
    k = last + 1;
  }
  return out;
}

function hunk(ops: Op[], start: number, end: number): string {
  let oldLine = 1;
  let newLine = 1;
  for (let i = 0; i < start; i++) {
    if (ops[i]!.kind !== '+') oldLine++;
    if (ops[i]!.kind !== '-') newLine++;
  }
  const slice = ops.slice(start, end);
  const oldCount = slice.filter((op) => op.kind !== '+').length;
  const newCount = slice.filter((op) => op.kind !== '-').length;
  const head = `@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@\n`;
  return head + slice.map((op) => `${op.kind}${op.line}\n`).join('');
}

/** Keys whose values are structure, not data: kept readable in masked diffs. */
const STRUCTURAL = new Set(['apiVersion', 'kind', 'name', 'namespace', 'type', 'immutable', 'metadata', 'data']);

/**
 * `key: value` → `key: ********` unless the key is structural; a list item's scalar → `- ********`; a comment that
 * is not one of envplane's own lines (`own`: the freshly rendered file's lines, which hold names only) →
 * `# ********`; a line of no known shape (a continuation of a value) → `********`.
 */
export function maskSecretText(text: string, own: ReadonlySet<string> = new Set()): string {
  return text
    .split('\n')
    .map((line) => {
      const match = /^(\s*(?:- )?)([^\s:#][^:]*?)(:\s+)(\S.*)$/.exec(line);
      if (match) return STRUCTURAL.has(match[2]!) ? line : `${match[1]}${match[2]}${match[3]}********`;
      const comment = /^(\s*)#/.exec(line);
      if (comment) return own.has(line) ? line : `${comment[1]}# ********`;
      const item = /^(\s*-\s+)(?![^\s:]+:\s*$)\S/.exec(line);
      if (item) return `${item[1]}********`;
      return /^\s*(?:---|[^\s:]+:|- [^\s:]+:)?$/.test(line) ? line : '********';
    })
    .join('\n');
}
