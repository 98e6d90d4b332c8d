/**
 * envplane's own `.env` cases: each rule of Compose's parser (compose-go `dotenv` + `template`), entries with their
 * positions, the edges a file meets in the wild, and errors that locate the problem without quoting the text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Lookup, parseDotenv, parseDotenvEntries } from '../../src/dotenv/index.ts';
import { EnvplaneError } from '../../src/errors.ts';

const parse = (text: string, lookup?: Lookup) => parseDotenv(text, lookup ? { lookup } : {});

/** Asserts a located input error; returns it for further checks. */
function parseError(text: string, lookup?: Lookup): EnvplaneError {
  let caught: unknown;
  try {
    parseDotenv(text, { file: 'config/app.env', ...(lookup ? { lookup } : {}) });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof EnvplaneError, `expected an EnvplaneError, got ${String(caught)}`);
  assert.equal(caught.kind, 'input');
  assert.equal(caught.location?.file, 'config/app.env');
  assert.match(caught.message, new RegExp(`^line ${caught.location?.line}: `));
  return caught;
}

describe('dotenv: statements', () => {
  it('reads KEY=value lines, with blanks around the separator', () => {
    assert.deepStrictEqual(parse('A=1\nB = 2\nC= 3\nD =4\n\tE=5\n   F  =  six  \n'), {
      A: '1',
      B: '2',
      C: '3',
      D: '4',
      E: '5',
      F: 'six',
    });
  });

  it('accepts ":" as the separator (YAML style), and keeps later "=" and ":" in the value', () => {
    assert.deepStrictEqual(parse('A: 1\nB:2\nC : x=y:z\nD=a:b=c\n'), { A: '1', B: '2', C: 'x=y:z', D: 'a:b=c' });
  });

  it('drops an "export" prefix only when blanks follow it', () => {
    assert.deepStrictEqual(parse('export A=1\nexport\tB=2\nexportC=3\nexport_D=4\nexport.E=5\n  export F=6\n'), {
      A: '1',
      B: '2',
      exportC: '3',
      export_D: '4',
      'export.E': '5',
      F: '6',
    });
    assert.deepStrictEqual(parse('export=1\n'), { export: '1' });
  });

  it('skips comment lines and blank lines; a comment is only a statement that starts with #', () => {
    assert.deepStrictEqual(parse('# one\n\n   # two\n\t\nA=1 # three\nB=x#y\nC=x\t#tab is no comment start\n'), {
      A: '1',
      B: 'x#y',
      C: 'x\t#tab is no comment start',
    });
  });

  it('cuts an unquoted value at the first " #" but not a value that starts with #', () => {
    assert.deepStrictEqual(parse('A=a b # c # d\nB= #not a comment\nC=#x\n'), {
      A: 'a b',
      B: '#not a comment',
      C: '#x',
    });
  });

  it('reads empty values', () => {
    assert.deepStrictEqual(parse('A=\nB=""\nC=\'\'\nD= \nE:\n'), { A: '', B: '', C: '', D: '', E: '' });
  });

  it('allows Unicode letters and digits and _ . - [ ] in keys, and keys that start with a digit', () => {
    assert.deepStrictEqual(parse('clé=1\n日本=2\na[0]=3\nx.y-z=4\n1A=5\nΣ_٣=6\n𝐀=7\n'), {
      clé: '1',
      日本: '2',
      'a[0]': '3',
      'x.y-z': '4',
      '1A': '5',
      Σ_٣: '6',
      𝐀: '7',
    });
  });

  it('reads a quoted value and then a new statement on the same line', () => {
    assert.deepStrictEqual(parse('A="x" B=y\nC=\'z\'#comment\nD="w" # comment\n'), { A: 'x', B: 'y', C: 'z', D: 'w' });
  });

  it('lets the last duplicate win, and lets A=${A}2 see the earlier A', () => {
    assert.deepStrictEqual(parse('A=1\nB=${A}\nA=${A}2\nA=${A}3\n'), { A: '123', B: '1' });
  });
});

describe('dotenv: bare keys and the lookup environment', () => {
  it('takes a bare KEY from the lookup, or leaves it out', () => {
    assert.deepStrictEqual(parse('A\nB\nC=3\n', { A: 'from env' }), { A: 'from env', C: '3' });
    assert.deepStrictEqual(parse('export A\n', { A: 'x' }), { A: 'x' });
  });

  it('never fills a bare KEY from an earlier line', () => {
    assert.deepStrictEqual(parse('A=1\nA\n'), { A: '1' });
    assert.deepStrictEqual(parse('A=1\nA\n', { A: 'env' }), { A: 'env' });
  });

  it('keeps the value written in the file even when the lookup has the key', () => {
    assert.deepStrictEqual(parse('A=file\nB=$A\n', { A: 'env' }), { A: 'file', B: 'env' });
  });

  it('accepts a function lookup, and treats undefined as unset', () => {
    const lookup = (name: string) => (name === 'HOME' ? '/home/me' : undefined);
    assert.deepStrictEqual(parse('A=$HOME/x\nB=${NOPE-unset}\nHOME\nNOPE\n', lookup), {
      A: '/home/me/x',
      B: 'unset',
      HOME: '/home/me',
    });
  });

  it('reads a record lookup by own properties only', () => {
    const lookup = { REAL: 'yes' };
    assert.deepStrictEqual(parse('A=${constructor:-none}\nB=${toString-none}\nconstructor\nREAL\n', lookup), {
      A: 'none',
      B: 'none',
      REAL: 'yes',
    });
    assert.deepStrictEqual(parse('A=${X-unset}\n', { X: undefined }), { A: 'unset' });
  });
});

describe('dotenv: quoting and escapes', () => {
  it("reads single quotes literally, except \\'", () => {
    assert.deepStrictEqual(parse("A='$HOME ${X} \\n # not a comment'\nB='it\\'s'\nC='a\\\\b'\n"), {
      A: '$HOME ${X} \\n # not a comment',
      B: "it's",
      C: 'a\\\\b',
    });
  });

  it('reads values across lines in both quotes', () => {
    assert.deepStrictEqual(parse('A=\'one\ntwo\'\nB="three\nfour"\nC=5\n'), {
      A: 'one\ntwo',
      B: 'three\nfour',
      C: '5',
    });
  });

  it('expands shell escapes in double quotes, and leaves the others as written', () => {
    assert.deepStrictEqual(parse('A="\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\$"\nB="\\x41 \\u0041 \\\' \\c \\ z"\n'), {
      A: '\x07\b\f\n\r\t\v\\"$',
      B: "\\x41 \\u0041 \\' \\c \\ z",
    });
  });

  it('reads \\0 plus three octal digits as one character, and other \\0 forms as compose-go does', () => {
    assert.deepStrictEqual(
      parse('A="\\0101"\nB="\\0377"\nC="\\0"\nD="\\012"\nE="\\0400"\nF="\\0128"\nG="\\01234"\nH="\\0000"\n'),
      { A: 'A', B: '\u00ff', C: '\\', D: '\\12', E: '\\400', F: '\\128', G: 'S4', H: '\0' },
    );
  });

  it('escapes first and interpolates after: \\$ is a literal dollar', () => {
    assert.deepStrictEqual(parse('X=1\nA="\\$X ${X} \\${X} $$X"\nB="\\$\\$"\n'), {
      X: '1',
      A: '$X 1 ${X} $X',
      B: '$$',
    });
  });

  it('does not treat backticks as quotes', () => {
    assert.deepStrictEqual(parse('A=`echo hi`\n'), { A: '`echo hi`' });
  });
});

describe('dotenv: interpolation', () => {
  const env = { SET: 'v', EMPTY: '' };

  it('substitutes $NAME and ${NAME}, keeps other dollars', () => {
    assert.deepStrictEqual(parse('A=$SET-${SET}x$SETx\nB=cost: 5$ and $1 and $-\nC=$$SET\n', env), {
      A: 'v-vx',
      B: 'cost: 5$ and $1 and $-',
      C: '$SET',
    });
  });

  it('applies the six operators', () => {
    const text = [
      'A=${SET:-d}|${EMPTY:-d}|${UNSET:-d}',
      'B=${SET-d}|${EMPTY-d}|${UNSET-d}',
      'C=${SET:+r}|${EMPTY:+r}|${UNSET:+r}',
      'D=${SET+r}|${EMPTY+r}|${UNSET+r}',
      'E=${SET:?m}|${SET?m}|${EMPTY?m}',
      '',
    ].join('\n');
    assert.deepStrictEqual(parse(text, env), { A: 'v|d|d', B: 'v||d', C: 'r||', D: 'r|r|', E: 'v|v|' });
  });

  it('nests defaults and substitutes them only when used', () => {
    assert.deepStrictEqual(parse('A=${UNSET:-${ALSO:-${SET}}}\nB=${SET:-${UNSET:?never evaluated}}\n', env), {
      A: 'v',
      B: 'v',
    });
  });

  it('runs a default to the last } of its line and cuts it where the braces balance, as compose-go does', () => {
    assert.deepStrictEqual(
      parse('A=${UNSET:-{"json":1}}\nB=${UNSET:-a}b}\nC=${UNSET:-{}\nD=${SET:-x} and ${SET}\n', env),
      {
        A: '{"json":1}',
        B: 'ab}',
        C: '{',
        D: 'v and v',
      },
    );
  });

  it('resolves the lookup first, then earlier keys; later keys are empty', () => {
    assert.deepStrictEqual(parse('A=${LATER}|${SET}\nSET=file\nB=$SET\nLATER=x\n', env), {
      A: '|v',
      SET: 'file',
      B: 'v',
      LATER: 'x',
    });
  });

  it('does not interpolate single-quoted values', () => {
    assert.deepStrictEqual(parse("A='${UNSET:?x} $SET'\n", env), { A: '${UNSET:?x} $SET' });
  });

  it('expands once: a substituted value is never read as a template again', () => {
    const lookup = { OUTER: '${INNER}', INNER: 'leaked', CMD: '$(id) `id`', DOLLARS: '$$INNER' };
    assert.deepStrictEqual(parse('A=${OUTER}\nB="$OUTER-${CMD}"\nC=$DOLLARS\nD=${UNSET:-$OUTER}\nE=${A}\n', lookup), {
      A: '${INNER}',
      B: '${INNER}-$(id) `id`',
      C: '$$INNER',
      D: '${INNER}',
      E: '${INNER}',
    });
  });

  it('never runs commands', () => {
    assert.deepStrictEqual(parse('A=$(id)\nB="`id`"\n'), { A: '$(id)', B: '`id`' });
  });
});

describe('dotenv: entries', () => {
  it('lists every assignment with the line and column of its key, duplicates kept', () => {
    const text = 'A=1\n  export B="x\ny"\n\n# c\nA=2\nC\n\tD: 4 # c\n';
    assert.deepStrictEqual(parseDotenvEntries(text, { lookup: { C: 'env' } }), [
      { key: 'A', value: '1', line: 1, column: 1 },
      { key: 'B', value: 'x\ny', line: 2, column: 10 },
      { key: 'A', value: '2', line: 6, column: 1 },
      { key: 'C', value: 'env', line: 7, column: 1 },
      { key: 'D', value: '4', line: 8, column: 2 },
    ]);
  });

  it('leaves out bare keys whose lookup is unset', () => {
    assert.deepStrictEqual(parseDotenvEntries('A\nB=1\n'), [{ key: 'B', value: '1', line: 2, column: 1 }]);
  });
});

describe('dotenv: file edges', () => {
  it('reads an empty file, blanks only and comments only as nothing', () => {
    for (const text of ['', '\n', '\r\n', ' \t\n\n', '# only\n# comments', '\ufeff'])
      assert.deepStrictEqual(parse(text), {}, JSON.stringify(text));
  });

  it('reads CRLF files', () => {
    const text = 'A=1\r\nB="two"\r\nC=\'3\' # c\r\n# c\r\nD=four # c\r\nE\r\n';
    assert.deepStrictEqual(parse(text, { E: 'e' }), { A: '1', B: 'two', C: '3', D: 'four', E: 'e' });
    assert.deepStrictEqual(parseDotenvEntries(text).at(-1), { key: 'D', value: 'four', line: 5, column: 1 });
  });

  it('keeps a lone CR, which is no line break', () => {
    assert.deepStrictEqual(parse('A=1\rB=2\n'), { A: '1\rB=2' });
  });

  it('drops a UTF-8 BOM at the start (and does not count it as a column)', () => {
    assert.deepStrictEqual(parseDotenvEntries('\ufeffA=1\n'), [{ key: 'A', value: '1', line: 1, column: 1 }]);
  });

  it('reads a last line without a newline', () => {
    assert.deepStrictEqual(parse('A=1\nB="2"'), { A: '1', B: '2' });
    assert.deepStrictEqual(parse('A=1\nB'), { A: '1', '': 'B' });
  });

  it('reads a bare last line without a newline as the value of the empty key, as compose-go does', () => {
    // compose-go's key scanner finds no "=", ":" or newline and reads the line as a value; documented, not endorsed.
    assert.deepStrictEqual(parse('FOO', { FOO: 'env' }), { '': 'FOO' });
    assert.deepStrictEqual(parse('FOO\n', { FOO: 'env' }), { FOO: 'env' });
    assert.deepStrictEqual(parse('=value\n'), { '': 'value' });
  });

  it('is safe for keys named like Object.prototype members', () => {
    const text = '__proto__=p\nconstructor=c\ntoString=t\nhasOwnProperty=h\n__defineGetter__=g\nvalueOf=v\n';
    const result = parse(text);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepStrictEqual(Object.keys(result), [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '__defineGetter__',
      'valueOf',
    ]);
    assert.equal(Object.getOwnPropertyDescriptor(result, '__proto__')?.value, 'p');
    assert.equal(result.constructor, 'c');
    assert.equal(({} as Record<string, unknown>).p, undefined);
    assert.equal(typeof Object.prototype.toString, 'function');
    assert.equal(Object.keys(Object.prototype).length, 0);
  });

  it('does not pollute prototypes through __proto__ paths in the lookup either', () => {
    const result = parse('A=${__proto__:-d}\n__proto__\n');
    assert.deepStrictEqual(result, { A: 'd' });
  });
});

describe('dotenv: errors name the place, never the text', () => {
  const SECRET = 'hunter2-SECRET';

  it('reports an unterminated quote where it opens', () => {
    const err = parseError(`A=1\nPASSWORD="${SECRET}\nB=2\nC=3\n`);
    assert.deepStrictEqual(err.location, { file: 'config/app.env', line: 2, column: 10 });
    assert.equal(err.message, 'line 2: unterminated quoted value (the " opened at column 10 is never closed)');
    assert.ok(err.hint);
    const single = parseError(`X='${SECRET}\\'`);
    assert.deepStrictEqual(single.location, { file: 'config/app.env', line: 1, column: 3 });
  });

  it('reports an unexpected character in a key', () => {
    const err = parseError(`A=1\n\n  ${SECRET}$tail=1\n`);
    assert.equal(err.message, 'line 3: unexpected character "$" in variable name');
    assert.deepStrictEqual(err.location, { file: 'config/app.env', line: 3, column: 17 });
    assert.equal(parseError('"A"=1').message, 'line 1: unexpected character "\\"" in variable name');
    assert.equal(parseError('A\u0000B=1').message, 'line 1: unexpected character "\\u0000" in variable name');
    assert.equal(parseError('\ufeff\ufeffA=1').location?.column, 1);
  });

  it('reports a space inside a key', () => {
    const err = parseError(`A=1\nmy ${SECRET} token\n`);
    assert.equal(err.message, 'line 2: key cannot contain a space');
    assert.deepStrictEqual(err.location, { file: 'config/app.env', line: 2, column: 3 });
    assert.equal(parseError('export A B=1').location?.column, 9);
  });

  it('reports a required variable with its message and name', () => {
    // The value spans lines 2-3; the template is on line 3, and that is where the error points.
    const err = parseError(`A=1\nB="x\ny ${'${'}NEEDED:?set it in .env}"\n`);
    assert.equal(err.message, 'line 3: required variable NEEDED is missing a value: set it in .env');
    assert.deepStrictEqual(err.location, { file: 'config/app.env', line: 3, column: 3 });
    const bare = parseError('A=${NEEDED?}');
    assert.equal(bare.message, 'line 1: required variable NEEDED is missing a value');
    assert.deepStrictEqual(bare.location, { file: 'config/app.env', line: 1, column: 3 });
  });

  it('shows a required variable message as written when it interpolates, so no value leaks through it', () => {
    const err = parseError('PASSWORD=s3cr3t-value\nA=${NEEDED:?got $PASSWORD}\n');
    assert.equal(err.message, 'line 2: required variable NEEDED is missing a value: got $PASSWORD');
    assert.ok(!err.message.includes('s3cr3t-value'));
  });

  it('reports invalid templates at their "$"', () => {
    for (const [text, column] of [
      [`A=${SECRET}\${UNCLOSED`, 17],
      ['A=x ${}', 5],
      ['A=${ X}', 3],
      ['A=${X!}', 3],
      ['A=${X:}', 3],
      ['A=${1X}', 3],
      ['A=${X:-no closing brace', 3],
    ] as const) {
      const err = parseError(text);
      assert.equal(err.message, 'line 1: Invalid template', text);
      assert.equal(err.location?.column, column, text);
      assert.ok(!err.message.includes(SECRET));
    }
  });

  it('reports an invalid template in an escaped double-quoted value at its opening quote', () => {
    const err = parseError('A=1\nB="a\\tb ${"\n');
    assert.deepStrictEqual(err.location, { file: 'config/app.env', line: 2, column: 3 });
  });

  it('stops a default at the end of its line, so a template cannot span lines', () => {
    assert.equal(parseError('A="${X:-a\nb}"').message, 'line 1: Invalid template');
    assert.equal(parseError('A="${X:-a\\nb}"').message, 'line 1: Invalid template');
  });

  it('refuses "export" with nothing after it', () => {
    assert.equal(parseError('A=1\nexport   ').message, 'line 2: "export" is not followed by a variable name');
  });

  it('refuses interpolation nested deeper than 32 levels', () => {
    const nest = (depth: number) => '${U:-'.repeat(depth) + 'deep' + '}'.repeat(depth);
    assert.deepStrictEqual(parse(`A=${nest(32)}\n`), { A: 'deep' });
    const err = parseError(`A=1\nB=${nest(33)}\n`);
    assert.match(err.message, /^line 2: interpolation nested deeper than 32 levels$/);
  });

  it('throws EnvplaneError with <input> when no file is named', () => {
    assert.throws(
      () => parseDotenv('A="'),
      (err: unknown) => err instanceof EnvplaneError && err.location?.file === '<input>',
    );
  });
});
