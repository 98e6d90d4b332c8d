/** Did-you-mean: the closest candidate within a small edit distance, for hints on typos. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** The hint text for an unknown name: a suggestion when there is one, else the list of valid names. */
export function unknownHint(word: string, candidates: readonly string[], what: string): string {
  const close = suggest(word, candidates);
  if (close) return `did you mean "${close}"?`;
  if (candidates.length === 0) return `no ${what} is declared`;
  const shown = candidates.slice(0, 12).join(', ');
  return `known ${what}: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
