/**
 * The two quoted forms the writer uses, chosen so that compose-go reads back exactly the original string and the
 * whole entry stays on one physical line (a line-oriented reader can then never see a second key in a value).
 */

/**
 * Single quotes are literal in Compose (no escapes but `\'`, no interpolation) and in npm dotenv. They cannot hold
 * a `'`, a line break (one entry per line), or a trailing backslash (it would escape the closing quote).
 */
export function fitsSingleQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 39 || c === 10 || c === 13) return false;
  }
  return value.charCodeAt(value.length - 1) !== 92;
}

/**
 * The inside of a double-quoted value: `\` `"` `$` escaped (Compose would otherwise interpolate `$`), line breaks as
 * `\n` and `\r`. Everything else is literal inside Compose's double quotes, tabs and other controls included.
 *
 * A trailing backslash is written as the octal escape `\0134` instead of `\\`: npm dotenv's line pattern can read
 * `\\"` as an escaped quote, run past the end of the line and swallow the entries below it into this value.
 */
export function escapeDouble(value: string): string {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let rep: string;
    if (c === 92) rep = i === value.length - 1 ? '\\0134' : '\\\\';
    else if (c === 34) rep = '\\"';
    else if (c === 36) rep = '\\$';
    else if (c === 10) rep = '\\n';
    else if (c === 13) rep = '\\r';
    else continue;
    out.push(value.slice(from, i), rep);
    from = i + 1;
  }
  if (from === 0) return value;
  out.push(value.slice(from));
  return out.join('');
}

export function quoteValue(value: string): { quoted: string; double: boolean } {
  if (fitsSingleQuotes(value)) return { quoted: `'${value}'`, double: false };
  return { quoted: `"${escapeDouble(value)}"`, double: true };
}
