/**
 * Byte offsets → 1-based line and column. Columns count characters, so a line of UTF-8 text reads as an editor
 * shows it. One pass up to the largest offset, however many offsets (a minified bundle is one long line).
 */

export interface LineColumn {
  line: number;
  column: number;
}

export function positionsOf(bytes: Uint8Array, offsets: readonly number[]): LineColumn[] {
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const out: LineColumn[] = new Array(offsets.length);
  let line = 1;
  let nextNewline = bytes.indexOf(0x0a);
  // Characters counted so far on the current line, up to byte `counted`.
  let counted = 0;
  let characters = 0;
  for (const i of order) {
    const offset = offsets[i]!;
    while (nextNewline !== -1 && nextNewline < offset) {
      line++;
      counted = nextNewline + 1;
      characters = 0;
      nextNewline = bytes.indexOf(0x0a, counted);
    }
    // A UTF-8 character starts at every byte that does not continue a sequence.
    for (; counted < offset; counted++) if ((bytes[counted]! & 0xc0) !== 0x80) characters++;
    out[i] = { line, column: characters + 1 };
  }
  return out;
}
