/**
 * A tiny YAML writer for rendered artifacts. Written by hand rather than with a library's stringify so that every
 * consumer reads exactly the string we mean: PyYAML (docker-compose v1) resolves YAML 1.1 scalars (`yes`, `on`,
 * `0123`, `1_000`, `12:30`), Go's yaml.v3 and the `yaml` package resolve YAML 1.2 ones (`1e3`). A string is written
 * plain only when it cannot be anything but a string in either version; everything else is double-quoted with
 * escapes that YAML 1.1 and 1.2 share. Pure.
 */

export type YamlValue = string | number | boolean | null | undefined | YamlValue[] | { [key: string]: YamlValue };

/** Plain strings: a letter, `_` or `/` first, then a small safe alphabet; `./x` and `../x` paths too. */
const PLAIN = /^(?:[A-Za-z_/]|\.{1,2}\/)[A-Za-z0-9_./@+-]*$/;
/** Words that YAML 1.1 or 1.2 resolve to booleans or null, in any case PyYAML accepts. */
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;

/** Made only of number characters: some YAML 1.1 readers take `E0` or `e5` for floats. */
const NUMBERISH = /^[0-9eE._:+-]+$/;

export function isPlainSafe(text: string): boolean {
  return PLAIN.test(text) && !RESERVED.test(text) && !NUMBERISH.test(text);
}

/** A double-quoted scalar; escapes controls, C1, line/paragraph separators, BOM and non-characters. */
export function quoteYaml(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${hex(code, 2)}`;
    else if (code === 0x2028 || code === 0x2029 || code === 0xfeff || code === 0xfffe || code === 0xffff)
      out += `\\u${hex(code, 4)}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${hex(code, 4)}`;
    else out += ch;
  }
  return `${out}"`;
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0');
}

export function scalarYaml(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return isPlainSafe(value) ? value : quoteYaml(value);
}

function isScalar(value: YamlValue): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function isEmpty(value: YamlValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return value !== null && typeof value === 'object' && Object.values(value).every((v) => v === undefined);
}

/** Block-style YAML for a mapping or sequence, two spaces per level, `undefined` entries left out. */
export function toYaml(value: YamlValue, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (isScalar(value) || value === undefined) return `${pad}${scalarYaml(value ?? null)}\n`;
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) {
      if (item === undefined) continue;
      if (isScalar(item) || isEmpty(item)) out += `${pad}- ${inline(item)}\n`;
      else out += `${pad}- ${toYaml(item, indent + 2).slice(indent + 2)}`;
    }
    return out;
  }
  let out = '';
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (isScalar(item) || isEmpty(item)) out += `${pad}${scalarYaml(key)}: ${inline(item)}\n`;
    else out += `${pad}${scalarYaml(key)}:\n${toYaml(item, Array.isArray(item) ? indent + 2 : indent + 2)}`;
  }
  return out;
}

function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return scalarYaml(value ?? null);
}

/** `# line` comments, one per line of `text`. */
export function yamlComment(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '#' : `# ${line}`))
    .join('\n')
    .concat('\n');
}
