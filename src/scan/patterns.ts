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
  /** Literals found with indexOf (the engine's fast substring search, far quicker than a regex walking the text). */
  anchors: string[];
  /**
   * Checks the text around an anchor. Returns the hit (if any) and where the search for the anchor resumes: past
   * whatever the check consumed, so that no stretch of text is examined twice.
   */
  at: (text: string, anchor: number) => { hit?: { start: number; end: number }; resume: number };
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

const PEM = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/y;
const AWS_KEY = /AKIA[0-9A-Z]{16}(?![0-9A-Za-z])/y;
const GITHUB_CLASSIC = /gh[pousr]_[A-Za-z0-9]{36,251}(?![0-9A-Za-z_])/y;
const GITHUB_FINE = /github_pat_[A-Za-z0-9_]{22,255}(?![0-9A-Za-z_])/y;
const ASSIGNED = /[=:][ \t]{0,8}["']?([A-Za-z0-9+/=_.~-]{20,512})/y;
/** The name an assignment gives a value: an identifier, maybe quoted, right before the `=` or `:`. */
const NAME_BEFORE = /(?<![A-Za-z0-9_.+/=~-])[A-Za-z_][A-Za-z0-9_.-]{0,127}["']?[ \t]{0,8}$/;

/** A hit from a sticky match at `start`, resuming after it; or no hit, resuming at the next character. */
function matched(m: RegExpExecArray | undefined, start: number, anchor: number) {
  return m ? { hit: { start, end: start + m[0].length }, resume: start + m[0].length } : { resume: anchor + 1 };
}

const PATTERNS: Pattern[] = [
  {
    id: 'private-key',
    anchors: ['-----BEGIN '],
    at: (text, i) => matched(stickyAt(PEM, text, i), i, i),
  },
  {
    id: 'aws-access-key-id',
    anchors: ['AKIA'],
    at: (text, i) => matched(ALNUM.test(text[i - 1] ?? ' ') ? undefined : stickyAt(AWS_KEY, text, i), i, i),
  },
  {
    // Anchored on the underscore: `_` is rarer than `g`, and both token forms have one at a fixed place.
    id: 'github-token',
    anchors: ['_'],
    at: (text, i) => {
      const classic = i >= 3 && text[i - 3] === 'g' && text[i - 2] === 'h' && 'pousr'.includes(text[i - 1]!);
      const start = classic ? i - 3 : text.startsWith('github', i - 6) ? i - 6 : -1;
      if (start < 0 || WORD.test(text[start - 1] ?? ' ')) return { resume: i + 1 };
      return matched(stickyAt(classic ? GITHUB_CLASSIC : GITHUB_FINE, text, start), start, i);
    },
  },
  {
    id: 'high-entropy-assignment',
    anchors: ['=', ':'],
    at: (text, i) => {
      const m = stickyAt(ASSIGNED, text, i);
      if (!m) return { resume: i + 1 };
      // The value is consumed whether or not it counts: a long run is never re-read from each of its `=`.
      const end = i + m[0].length;
      if (!looksRandom(m[1]!)) return { resume: end };
      const before = text.slice(Math.max(0, i - 140), i);
      const name = NAME_BEFORE.exec(before);
      return name ? { hit: { start: i - before.length + name.index, end }, resume: end } : { resume: end };
    },
  },
];

// V8 runs a regular expression's first execution in its bytecode interpreter and compiles it to machine code
// only after that; warm each one up so that even the first file gets the compiled code.
for (const regex of [PEM, AWS_KEY, GITHUB_CLASSIC, GITHUB_FINE, ASSIGNED, NAME_BEFORE])
  for (let i = 0; i < 2; i++) {
    regex.lastIndex = 0;
    regex.exec('KEY = ghp_AKIA-----BEGIN ');
  }

/** Pattern hits in `text` (one character per byte, e.g. latin1-decoded). */
export function findPatterns(text: string): PatternHit[] {
  const hits: PatternHit[] = [];
  for (const p of PATTERNS)
    for (const anchor of p.anchors)
      for (let i = text.indexOf(anchor); i !== -1; ) {
        const { hit, resume } = p.at(text, i);
        if (hit) hits.push({ pattern: p.id, ...hit });
        i = text.indexOf(anchor, Math.max(resume, i + 1));
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
