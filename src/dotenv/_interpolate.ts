/**
 * Compose's variable interpolation (compose-go `template`), rewritten as a scanner with the same results as its
 * regular expression `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))`:
 *
 * - `$$` is `$`; `$NAME` and `${NAME}` look NAME up (unset gives ""); any other `$` stays as written.
 * - `${NAME` followed by `-`, `:-`, `+`, `:+`, `?` or `:?` runs, like the greedy `(.*)}`, to the last `}` on its
 *   line; compose-go then cuts that match at the first `}` that balances the opening `{` (a plain `{` counts too, and
 *   the character right after any `{` is skipped) and substitutes the remainder as ordinary text. The default,
 *   replacement or message is itself substituted, only when it is used.
 * - `${` followed by anything else is an error ("Invalid template").
 */
import { COLON, DOLLAR, isNameChar, isNameStart, LBRACE, RBRACE } from './_chars.ts';

export type VarLookup = (name: string) => string | undefined;

/**
 * Nesting beyond this is refused. compose-go has no limit, but each level rescans its whole default, so depth × length
 * is the cost; 32 is far past anything written by hand and keeps a hostile 10 MB value to a few hundred million steps.
 */
export const MAX_NESTING = 32;

const MINUS = 45;
const PLUS = 43;
const QUESTION = 63;

/** An interpolation failure at `offset` of the template; the caller turns it into a located error. */
export class TemplateError extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
    readonly hint?: string,
    /** The problem without any text quoted from the file (for a line that must not be quoted). */
    readonly bare?: string,
  ) {
    super(problem);
  }
}

export function interpolate(template: string, lookup: VarLookup): string {
  if (template.indexOf('$') === -1) return template;
  return substitute(template, 0, template.length, lookup, 0);
}

function invalid(offset: number): TemplateError {
  return new TemplateError(
    offset,
    'Invalid template',
    'after "${" comes a variable name and "}", optionally with :-, -, :+, +, :? or ? and a text; write $$ for a literal $',
  );
}

function isOp(c: number): boolean {
  return c === MINUS || c === PLUS || c === QUESTION;
}

/** compose-go's `getFirstBraceClosingIndex` over `t[from..last]`, as an absolute index, or -1. */
function firstBraceClosing(t: string, from: number, last: number): number {
  let open = 0;
  for (let i = from; i <= last; i++) {
    const c = t.charCodeAt(i);
    if (c === RBRACE) {
      if (--open === 0) return i;
    } else if (c === LBRACE) {
      open++;
      i++;
    }
  }
  return -1;
}

/**
 * Substitutes `t[start, end)`. Defaults are substituted on the same string by index range (no copies), and a range
 * below the top level never spans a line: the `(.*)` that delimits it stops at a newline.
 */
function substitute(t: string, start: number, end: number, lookup: VarLookup, depth: number): string {
  if (depth > MAX_NESTING)
    throw new TemplateError(start, `interpolation nested deeper than ${MAX_NESTING} levels`, 'flatten the defaults');
  // Pieces joined once: `+=` would leave one rope node per template behind.
  const out: string[] = [];
  // Text from `i` on is literal and not yet copied; `s` is where the search for the next `$` resumes.
  let i = start;
  let s = start;
  // Caches that keep a long line with many templates linear: the next newline, and the last `}` before it.
  let newline = -2;
  let braceLineEnd = -1;
  let lastBrace = -1;
  for (;;) {
    const p = t.indexOf('$', s);
    if (p === -1 || p >= end) {
      if (i === start) return t.slice(start, end);
      out.push(t.slice(i, end));
      return out.join('');
    }
    const c = p + 1 < end ? t.charCodeAt(p + 1) : -1;
    if (c === DOLLAR) {
      // `$$` is one literal `$`: it joins the pending literal text.
      out.push(t.slice(i, p + 1));
      i = s = p + 2;
      continue;
    }
    if (c !== LBRACE && !isNameStart(c)) {
      // A lone `$` stays as written, as part of the pending literal text.
      s = p + 1;
      continue;
    }
    if (p > i) out.push(t.slice(i, p));
    if (c !== LBRACE) {
      let j = p + 2;
      while (j < end && isNameChar(t.charCodeAt(j))) j++;
      out.push(lookup(t.slice(p + 1, j)) ?? '');
      i = s = j;
      continue;
    }
    const q = p + 2;
    if (q >= end || !isNameStart(t.charCodeAt(q))) throw invalid(p);
    let e = q + 1;
    while (e < end && isNameChar(t.charCodeAt(e))) e++;
    const name = t.slice(q, e);
    const after = e < end ? t.charCodeAt(e) : -1;
    if (after === RBRACE) {
      out.push(lookup(name) ?? '');
      i = s = e + 1;
      continue;
    }
    const colon = after === COLON && e + 1 < end && isOp(t.charCodeAt(e + 1));
    const opPos = colon ? e + 1 : e;
    if (!colon && !isOp(after)) throw invalid(p);

    let lineEnd = end;
    if (depth === 0) {
      if (newline !== -1 && newline < opPos) newline = t.indexOf('\n', opPos);
      if (newline !== -1) lineEnd = newline;
    }
    if (lineEnd !== braceLineEnd) {
      braceLineEnd = lineEnd;
      lastBrace = t.lastIndexOf('}', lineEnd - 1);
    }
    if (lastBrace <= opPos) throw invalid(p);
    const close = firstBraceClosing(t, p, lastBrace);
    const argEnd = close === -1 ? lastBrace : close;
    out.push(apply(t, p, name, t.charCodeAt(opPos), colon, opPos + 1, argEnd, lookup, depth));
    i = s = argEnd + 1;
  }
}

function apply(
  t: string,
  p: number,
  name: string,
  op: number,
  colon: boolean,
  argStart: number,
  argEnd: number,
  lookup: VarLookup,
  depth: number,
): string {
  const value = lookup(name);
  const usable = value !== undefined && (!colon || value !== '');
  if (op === MINUS) return usable ? value! : substitute(t, argStart, argEnd, lookup, depth + 1);
  if (op === PLUS) return usable ? substitute(t, argStart, argEnd, lookup, depth + 1) : (value ?? '');
  if (usable) return value!;
  const reason = substitute(t, argStart, argEnd, lookup, depth + 1);
  // The message as written, not as substituted: a substituted message could carry another variable's value.
  const raw = t.slice(argStart, argEnd);
  const shown = reason === '' ? '' : `: ${raw.includes('$') ? raw : reason}`;
  return missing(p, name, shown);
}

function missing(p: number, name: string, shown: string): never {
  throw new TemplateError(
    p,
    `required variable ${name} is missing a value${shown}`,
    `set ${name} in the environment or earlier in the file`,
    `required variable ${name} is missing a value (its message is not shown: the line is a secret's)`,
  );
}
