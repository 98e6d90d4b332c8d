/**
 * Secret-shaped strings that are not known values: warnings, since envplane cannot tell whether they are live.
 * Each pattern is anchored on a literal (`AKIA`, `ghp_`, `=`), found with the engine's fast substring search, and
 * checked there with a sticky expression of bounded repetitions; after a match the search resumes past it. So no
 * position is examined more than a bounded number of times: linear time on any input, and no regex walks the
 * whole text character by character.
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
  /** Literals found with indexOf; or a global expression whose matches are the anchors (it runs in one pass). */
  anchors: string[] | RegExp;
  /** Checks the text at an anchor (and the anchor's own match); returns the hit or undefined. */
  at: (text: string, anchor: number, match?: RegExpExecArray) => { start: number; end: number } | undefined;
}

export const PATTERN_DESCRIPTIONS: Record<PatternId, string> = {
  'private-key': 'a PEM private key block',
  'aws-access-key-id': 'an AWS access key id',
  'github-token': 'a GitHub token',
  'high-entropy-assignment': 'a high-entropy value assigned to a name',
};

const ALNUM = /[0-9A-Za-z]/;
const WORD = /[0-9A-Za-z_]/;

/** The sticky expression matched at `from`, or undefined. */
function stickyAt(regex: RegExp, text: string, from: number): RegExpExecArray | undefined {
  regex.lastIndex = from;
  return regex.exec(text) ?? undefined;
}

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}$/;
const AWS_KEY = /AKIA[0-9A-Z]{16}(?![0-9A-Za-z])/y;
const GITHUB_CLASSIC = /gh[pousr]_[A-Za-z0-9]{36,251}(?![0-9A-Za-z_])/y;
const GITHUB_FINE = /github_pat_[A-Za-z0-9_]{22,255}(?![0-9A-Za-z_])/y;
// Global, not sticky: one pass finds every `=` or `:` with a long value after it, and resumes past that value.
const ASSIGNED = /[=:][ \t]{0,8}["']?([A-Za-z0-9+/=_.~-]{20,512})/g;
/** The name an assignment gives a value: an identifier, maybe quoted, right before the `=` or `:`. */
const NAME_BEFORE = /(?<![A-Za-z0-9_.+/=~-])[A-Za-z_][A-Za-z0-9_.-]{0,127}["']?[ \t]{0,8}$/;

const PATTERNS: Pattern[] = [
  {
    id: 'private-key',
    anchors: ['PRIVATE KEY-----'],
    at: (text, i) => {
      const before = text.slice(Math.max(0, i - 52), i);
      const begin = PEM_BEGIN.exec(before);
      return begin ? { start: i - before.length + begin.index, end: i + 16 } : undefined;
    },
  },
  {
    id: 'aws-access-key-id',
    anchors: ['AKIA'],
    at: (text, i) => {
      const m = ALNUM.test(text[i - 1] ?? ' ') ? undefined : stickyAt(AWS_KEY, text, i);
      return m ? { start: i, end: i + m[0].length } : undefined;
    },
  },
  {
    id: 'github-token',
    anchors: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    at: (text, i) => {
      if (WORD.test(text[i - 1] ?? ' ')) return undefined;
      const m = stickyAt(text[i + 2] === 't' ? GITHUB_FINE : GITHUB_CLASSIC, text, i);
      return m ? { start: i, end: i + m[0].length } : undefined;
    },
  },
  {
    id: 'high-entropy-assignment',
    anchors: ASSIGNED,
    at: (text, i, m) => {
      if (!m || !looksRandom(m[1]!)) return undefined;
      const before = text.slice(Math.max(0, i - 140), i);
      const name = NAME_BEFORE.exec(before);
      return name ? { start: i - before.length + name.index, end: i + m[0].length } : undefined;
    },
  },
];

// V8 runs a regular expression's first execution in its bytecode interpreter and compiles it to machine code
// only after that; one exec over a 50 MB file would be interpreted throughout, several times slower.
for (const regex of [PEM_BEGIN, AWS_KEY, GITHUB_CLASSIC, GITHUB_FINE, ASSIGNED, NAME_BEFORE])
  for (let i = 0; i < 2; i++) {
    regex.lastIndex = 0;
    regex.exec('KEY = ghp_AKIA-----BEGIN ');
  }

/** Pattern hits in `text` (one character per byte, e.g. latin1-decoded). */
export function findPatterns(text: string): PatternHit[] {
  const hits: PatternHit[] = [];
  const add = (id: PatternId, hit: { start: number; end: number } | undefined) => {
    if (hit) hits.push({ pattern: id, ...hit });
    return hit;
  };
  for (const p of PATTERNS) {
    if (p.anchors instanceof RegExp) {
      p.anchors.lastIndex = 0;
      for (let m = p.anchors.exec(text); m !== null; m = p.anchors.exec(text)) add(p.id, p.at(text, m.index, m));
      continue;
    }
    for (const anchor of p.anchors)
      for (let i = text.indexOf(anchor); i !== -1; ) {
        const hit = add(p.id, p.at(text, i));
        i = text.indexOf(anchor, hit ? Math.max(hit.end, i + 1) : i + 1);
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
