/**
 * Many byte strings searched in one pass: an Aho-Corasick automaton, built once for every needle, compiled to a
 * dense DFA over byte classes so the inner loop is one table load per byte whatever the number of needles.
 *
 * Only the first `depth` bytes of each needle go into the automaton (the table grows with states × classes, and a
 * random 16-byte prefix is already unique); a prefix hit is confirmed by comparing the rest of the needle in place.
 */

export interface Matcher {
  readonly needles: readonly Uint8Array[];
  /** Byte → class; 0 for bytes that occur in no needle prefix (they always lead back to the root). */
  readonly classOf: Int32Array;
  /** Row width: the number of classes, rounded up to even so that row offsets leave bit 0 free for a flag. */
  readonly width: number;
  /** `delta[row + class]` = next row offset, bit 0 set when the next state ends at least one needle prefix. */
  readonly delta: Int32Array;
  /** Needles whose prefix ends exactly at a state (by state number), as [start, end) into `outputIds`. */
  readonly outputStart: Int32Array;
  readonly outputIds: Int32Array;
  /** The longest proper suffix state that also ends a prefix (-1 when none): how shorter needles are reported. */
  readonly dictLink: Int32Array;
  /** Bytes of each needle held in the automaton. */
  readonly prefixLength: Int32Array;
}

export const DEFAULT_DEPTH = 16;

export function buildMatcher(needles: readonly Uint8Array[], depth = DEFAULT_DEPTH): Matcher {
  const prefixLength = new Int32Array(needles.map((n) => Math.min(n.length, depth)));
  if (needles.some((n) => n.length === 0)) throw new Error('buildMatcher: empty needle');

  const classOf = new Int32Array(256);
  let classes = 1;
  needles.forEach((needle, i) => {
    for (let j = 0; j < prefixLength[i]!; j++) if (classOf[needle[j]!] === 0) classOf[needle[j]!] = classes++;
  });
  const width = classes + (classes % 2);

  // The trie, in a table that becomes the DFA in place: -1 = no edge yet.
  const maxStates = 1 + prefixLength.reduce((a, b) => a + b, 0);
  const next = new Int32Array(maxStates * width).fill(-1);
  const terminalOf: number[][] = [[]];
  let states = 1;
  needles.forEach((needle, i) => {
    let state = 0;
    for (let j = 0; j < prefixLength[i]!; j++) {
      const slot = state * width + classOf[needle[j]!]!;
      if (next[slot] === -1) {
        next[slot] = states++;
        terminalOf.push([]);
      }
      state = next[slot]!;
    }
    terminalOf[state]!.push(i);
  });

  // Breadth-first: failure links, dictionary links and the missing transitions (taken from the failure state).
  const fail = new Int32Array(states);
  const dictLink = new Int32Array(states).fill(-1);
  const queue = new Int32Array(states);
  let head = 0;
  let tail = 0;
  for (let c = 0; c < width; c++) {
    const t = next[c]!;
    if (t === -1) next[c] = 0;
    else queue[tail++] = t;
  }
  while (head < tail) {
    const s = queue[head++]!;
    for (let c = 0; c < width; c++) {
      const slot = s * width + c;
      const t = next[slot]!;
      const viaFail = next[fail[s]! * width + c]!;
      if (t === -1) {
        next[slot] = viaFail;
        continue;
      }
      fail[t] = viaFail;
      dictLink[t] = terminalOf[viaFail]!.length > 0 ? viaFail : dictLink[viaFail]!;
      queue[tail++] = t;
    }
  }

  const outputStart = new Int32Array(states + 1);
  const outputIds: number[] = [];
  for (let s = 0; s < states; s++) {
    outputStart[s] = outputIds.length;
    outputIds.push(...terminalOf[s]!);
  }
  outputStart[states] = outputIds.length;

  const reports = (s: number) => terminalOf[s]!.length > 0 || dictLink[s] !== -1;
  const delta = new Int32Array(states * width);
  for (let i = 0; i < delta.length; i++) {
    const t = next[i]!;
    delta[i] = t * width + (reports(t) ? 1 : 0);
  }
  return { needles, classOf, width, delta, outputStart, outputIds: new Int32Array(outputIds), dictLink, prefixLength };
}

/**
 * Calls `onMatch(needle, start)` for every occurrence of every needle in `haystack` (overlapping ones included),
 * in order of the position where the match ends.
 */
export function findAll(
  matcher: Matcher,
  haystack: Uint8Array,
  onMatch: (needle: number, start: number) => void,
): void {
  const { delta, classOf, width } = matcher;
  const n = haystack.length;
  let row = 0;
  for (let i = 0; i < n; i++) {
    const v = delta[row + classOf[haystack[i]!]!]!;
    row = v & -2;
    if ((v & 1) !== 0) reportAt(matcher, haystack, row / width, i, onMatch);
  }
}

function reportAt(
  matcher: Matcher,
  haystack: Uint8Array,
  state: number,
  end: number,
  onMatch: (needle: number, start: number) => void,
): void {
  for (let s = state; s !== -1; s = matcher.dictLink[s]!) {
    for (let k = matcher.outputStart[s]!; k < matcher.outputStart[s + 1]!; k++) {
      const id = matcher.outputIds[k]!;
      const start = end - matcher.prefixLength[id]! + 1;
      if (restMatches(matcher.needles[id]!, matcher.prefixLength[id]!, haystack, start)) onMatch(id, start);
    }
  }
}

function restMatches(needle: Uint8Array, from: number, haystack: Uint8Array, start: number): boolean {
  if (start + needle.length > haystack.length) return false;
  for (let j = from; j < needle.length; j++) if (haystack[start + j] !== needle[j]) return false;
  return true;
}
