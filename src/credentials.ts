/**
 * Credentials written inside a longer value: the userinfo of a URL in any scheme (`redis://:PASS@host`,
 * `jdbc:postgresql://u:PASS@db`, `https://TOKEN@github.com`), and the credential parts of a connection string or a
 * query (`…;Password=PASS;`, `Pwd=`, `AccountKey=`, `SharedAccessKey=`, `?token=`, `&sig=`, libpq's
 * `host=db password=PASS`). `init --from-existing` and `migrate` make such a key a secret; `check` treats such a
 * value in a config layer as a secret in config. Pure; linear time (one pass of `indexOf` and splits, no regex over
 * the whole value); the value is only inspected: what is returned names the kind of credential, never its text.
 */

/** Words that mark a credential part's key (`Password`, `AccountKey` → ACCOUNT KEY, `access_token`). */
const CREDENTIAL_WORDS = new Set([
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'PWD',
  'PASS',
  'SECRET',
  'TOKEN',
  'KEY',
  'APIKEY',
  'SIG',
  'SIGNATURE',
  'CREDENTIAL',
  'CREDENTIALS',
]);

/** After a credential word, a word that makes the part about the credential, not the credential (`TokenUrl=`). */
const PROPERTY_WORDS = new Set(
  (
    'FILE PATH DIR EXPIRE EXPIRES EXPIRY TTL LIFETIME TIMEOUT LENGTH SIZE ALGORITHM ALG TYPE HEADER NAME URL URI ' +
    'ENDPOINT ISSUER AUDIENCE ENABLED DISABLED COUNT MAX MIN LIMIT PREFIX VERSION FORMAT REGION MODE POLICY ID'
  ).split(' '),
);

/** `AccountKey` → ACCOUNT, KEY; `access_token` → ACCESS, TOKEN. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase());
}

/** What kind of credential `value` carries inside it, or undefined. */
export function credentialIn(value: string): string | undefined {
  const url = urlCredential(value);
  if (url) return url;
  const part = credentialPart(value);
  return part ? `a connection string with a ${part.toLowerCase()} part` : undefined;
}

/** A password (even with an empty user name) or a token-like user name in the userinfo of a `scheme://` URL. */
function urlCredential(value: string): string | undefined {
  let end = 0;
  for (let at = value.indexOf('://'); at !== -1; at = value.indexOf('://', Math.max(at + 3, end))) {
    if (at === 0 || !/[A-Za-z0-9+.-]/.test(value[at - 1]!)) continue;
    const start = at + 3;
    end = start;
    while (end < value.length && !'/?#; \t\r\n"\''.includes(value[end]!)) end++;
    const authority = value.slice(start, end);
    const atSign = authority.lastIndexOf('@');
    if (atSign <= 0) continue;
    const userinfo = authority.slice(0, atSign);
    const colon = userinfo.indexOf(':');
    if (colon !== -1) {
      const password = userinfo.slice(colon + 1);
      if (password !== '' && !isReference(password)) return 'a URL with a password in it';
    } else if (userinfo.length >= 16 && /\d/.test(userinfo) && /[A-Za-z]/.test(userinfo) && !isReference(userinfo))
      return 'a URL with a token as its user name';
  }
  return undefined;
}

/** The credential word of the first `key=value` part whose key names a credential and whose value is written out. */
function credentialPart(value: string): string | undefined {
  if (!value.includes('=')) return undefined;
  for (const part of value.split(/[;&?,\s]/)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq > 64) continue;
    const w = words(part.slice(0, eq));
    const at = w.findIndex((x) => CREDENTIAL_WORDS.has(x));
    if (at === -1 || w.slice(at + 1).some((x) => PROPERTY_WORDS.has(x))) continue;
    if (w.includes('PUBLIC') || w.includes('PUBLISHABLE')) continue;
    const given = unquoted(part.slice(eq + 1));
    if (given === '' || isReference(given)) continue;
    return w[at]!; // a word of the fixed list, never text taken from the value
  }
  return undefined;
}

/** The text without surrounding quotes or braces (`Password="x"`, `Password={x}`), by index: no backtracking. */
function unquoted(text: string): string {
  let from = 0;
  let to = text.length;
  while (from < to && '"\'{'.includes(text[from]!)) from++;
  while (to > from && '"\'}'.includes(text[to - 1]!)) to--;
  return text.slice(from, to);
}

/** `${VAR}` or `$VAR`: a reference filled in elsewhere, not a written value. */
function isReference(text: string): boolean {
  return /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(text) || /^%[A-Za-z_][A-Za-z0-9_]*%$/.test(text);
}
