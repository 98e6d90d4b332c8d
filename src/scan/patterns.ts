/**
 * Secret-shaped strings that are not known values: warnings, since envplane cannot tell whether they are live. Every
 * expression is linear: bounded repetitions, no nested quantifiers, and lookbehinds so that a match can only start
 * at a token boundary (a run of letters is not re-tried from each of its positions).
 */

export type PatternId = 'private-key' | 'aws-access-key-id' | 'github-token' | 'high-entropy-assignment';

export interface PatternHit {
  pattern: PatternId;
  /** Offsets into the scanned bytes (the text is decoded one character per byte). */
  start: number;
  end: number;
}

interface Pattern {
  id: PatternId;
  /** A literal every match contains, found with a fast search before the expression runs at all. */
  needle?: string;
  regex: RegExp;
  /** Extra test on the match (entropy); default: every match counts. */
  accept?: (match: RegExpExecArray, text: string) => boolean;
  /** Where the finding starts when that is before the match (the name of an assignment). */
  start?: (match: RegExpExecArray, text: string) => number;
}

/** The name an assignment gives a value: an identifier, maybe quoted, right before the `=` or `:`. */
const NAME_BEFORE = /(?<![A-Za-z0-9_.+/=~-])[A-Za-z_][A-Za-z0-9_.-]{0,127}["']?[ \t]{0,8}$/;

export const PATTERN_DESCRIPTIONS: Record<PatternId, string> = {
  'private-key': 'a PEM private key block',
  'aws-access-key-id': 'an AWS access key id',
  'github-token': 'a GitHub token',
  'high-entropy-assignment': 'a high-entropy value assigned to a name',
};

const PATTERNS: Pattern[] = [
  { id: 'private-key', needle: 'PRIVATE KEY-----', regex: /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/g },
  { id: 'aws-access-key-id', needle: 'AKIA', regex: /(?<![0-9A-Za-z])AKIA[0-9A-Z]{16}(?![0-9A-Za-z])/g },
  {
    id: 'github-token',
    needle: '_',
    regex: /(?<![0-9A-Za-z_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![0-9A-Za-z_])/g,
  },
  {
    id: 'high-entropy-assignment',
    // Value first: a scan for `=` or `:` is cheap, and a long value is consumed whole, so no position is read twice.
    regex: /[=:][ \t]{0,8}["']?([A-Za-z0-9+/=_.~-]{20,512})/g,
    accept: (m, text) => looksRandom(m[1]!) && NAME_BEFORE.test(text.slice(Math.max(0, m.index - 140), m.index)),
    start: (m, text) => m.index - (NAME_BEFORE.exec(text.slice(Math.max(0, m.index - 140), m.index))?.[0].length ?? 0),
  },
];

/** Pattern hits in `text` (one character per byte, e.g. latin1-decoded), in order of position per pattern. */
export function findPatterns(text: string): PatternHit[] {
  const hits: PatternHit[] = [];
  for (const p of PATTERNS) {
    if (p.needle !== undefined && !text.includes(p.needle)) continue;
    p.regex.lastIndex = 0;
    for (let m = p.regex.exec(text); m !== null; m = p.regex.exec(text)) {
      if (p.accept && !p.accept(m, text)) continue;
      hits.push({ pattern: p.id, start: p.start ? p.start(m, text) : m.index, end: m.index + m[0].length });
    }
  }
  return hits;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Random-looking: letters and digits mixed, and close to the entropy a random string of that alphabet would have
 * (hex tops out at 4 bits per character, base64 at 6), so words, paths and version strings stay quiet.
 */
export function looksRandom(value: string): boolean {
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  // Versions, paths and dotted names are mostly punctuation between words; random tokens are mostly alphanumeric.
  const punctuation = value.replace(/[A-Za-z0-9]/g, '').length;
  if (punctuation > value.length * 0.15) return false;
  const hexOnly = /^[0-9a-fA-F]+$/.test(value);
  return shannonEntropy(value) >= (hexOnly ? 3.0 : 4.0);
}
