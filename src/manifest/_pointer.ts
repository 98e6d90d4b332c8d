/** JSON pointers into the manifest and their positions: kept apart from the YAML parser so fast paths need not load it. */
import type { Position } from './types.ts';

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The position of the deepest known node on the path: a missing field is reported where its parent is. */
export function positionOf(positions: Record<string, Position>, keys: readonly string[]): Position {
  for (let n = keys.length; n >= 0; n--) {
    const at = positions[n === 0 ? '' : `/${keys.slice(0, n).map(escapePointer).join('/')}`];
    if (at) return at;
  }
  return { line: 1, column: 1 };
}
