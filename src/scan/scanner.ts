/**
 * Known secret values → one automaton over every encoded form of every value; then any bytes → hits located by line
 * and column. Hits name the value by its index, never by its text: the text stays inside the automaton.
 */
import { type Encoding, encodedForms } from './encodings.ts';
import { buildMatcher, findAll, type Matcher } from './matcher.ts';
import { positionsOf } from './_position.ts';
import { findPatterns, type PatternId } from './patterns.ts';

/** Values shorter than this are not searched: they would match ordinary text everywhere. */
export const MIN_VALUE_LENGTH = 8;

export interface Scanner {
  matcher: Matcher;
  /** For each needle of the matcher: which value (index into the values given) and in which form. */
  forms: { value: number; encoding: Encoding }[];
  values: number;
}

export interface ValueHit {
  /** Index into the values the scanner was built from. */
  value: number;
  encoding: Encoding;
  line: number;
  column: number;
}

export interface PatternWarning {
  pattern: PatternId;
  line: number;
  column: number;
}

export interface ContentHits {
  values: ValueHit[];
  patterns: PatternWarning[];
}

export function buildScanner(values: readonly string[]): Scanner {
  const needles: Uint8Array[] = [];
  const forms: Scanner['forms'] = [];
  values.forEach((value, index) => {
    for (const form of encodedForms(value)) {
      needles.push(form.bytes);
      forms.push({ value: index, encoding: form.encoding });
    }
  });
  return { matcher: buildMatcher(needles), forms, values: values.length };
}

/**
 * Every known value in `bytes` (once per value and position, in its plainest form), and the secret-shaped strings
 * of `text()` (the same bytes, one character per byte) that do not overlap a known value.
 */
export function scanContent(scanner: Scanner, bytes: Uint8Array, text?: () => string): ContentHits {
  const found: { value: number; encoding: Encoding; start: number; end: number }[] = [];
  const seen = new Set<string>();
  if (scanner.forms.length > 0)
    findAll(scanner.matcher, bytes, (needle, start) => {
      const form = scanner.forms[needle]!;
      const key = `${form.value}:${start}`;
      if (seen.has(key)) return;
      seen.add(key);
      found.push({ ...form, start, end: start + scanner.matcher.needles[needle]!.length });
    });
  found.sort((a, b) => a.start - b.start || a.value - b.value);
  const patterns = text
    ? findPatterns(text()).filter((p) => !found.some((f) => f.start < p.end && p.start < f.end))
    : [];
  const at = positionsOf(bytes, [...found.map((f) => f.start), ...patterns.map((p) => p.start)]);
  return {
    values: found.map((f, i) => ({ value: f.value, encoding: f.encoding, ...at[i]! })),
    patterns: patterns.map((p, i) => ({ pattern: p.pattern, ...at[found.length + i]! })),
  };
}
