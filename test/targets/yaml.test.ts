/**
 * Strings rendered into YAML come back as the same strings: through the `yaml` package (YAML 1.2 and 1.1) and
 * through docker-compose v1 (PyYAML, YAML 1.1, then its own `$` interpolation). Property tests with fast-check plus
 * the known troublemakers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { escapeInterpolation } from '../../src/targets/_compose.ts';
import { isPlainSafe, scalarYaml, toYaml } from '../../src/targets/_yaml.ts';
import { tempDir } from '../_helpers.ts';
import { composeConfig } from './_tools.ts';

const AMBIGUOUS = [
  'yes',
  'Yes',
  'YES',
  'no',
  'on',
  'ON',
  'off',
  'y',
  'n',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  ' ',
  '0123',
  'E0',
  'e5',
  '_1',
  '0o17',
  '0x1F',
  '1e3',
  '1_000',
  '12:30',
  '12:30:00',
  '.inf',
  '-.inf',
  '.NaN',
  '1.0',
  '-1',
  '+1',
  '2001-12-14',
  ': ',
  'a: b',
  'a #b',
  '#c',
  '- x',
  '? x',
  '*alias',
  '&anchor',
  '!tag',
  '!!str x',
  '%YAML',
  '@x',
  '`x',
  '|',
  '>',
  '"',
  "'",
  '{a}',
  '[a]',
  ',',
  '<<',
  '=',
  'x\n',
  '\ny',
  ' lead',
  'trail ',
  'tab\t',
  '\u2028',
  '\u0085',
  '\ufeff',
  '\x7f',
  'é',
  '日本',
  '😀',
  '\\',
  '\\n',
  '$',
  '$$',
  '${HOME}',
  '$HOME',
];

// Text that can reach a container: any Unicode except NUL (a process environment cannot hold it).
const envText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));

function roundTrip(value: string): void {
  const text = toYaml({ v: value });
  assert.equal(parse(text).v, value, `yaml 1.2: ${JSON.stringify(value)} as ${text}`);
  assert.equal(parse(text, { version: '1.1' }).v, value, `yaml 1.1: ${JSON.stringify(value)} as ${text}`);
}

describe('YAML scalars', () => {
  it('the known troublemakers are quoted and read back unchanged', () => {
    for (const value of AMBIGUOUS) {
      roundTrip(value);
      if (value !== 'x' && /^[^A-Za-z_/.]|^(yes|no|on|off|y|n|true|false|null)$/i.test(value))
        assert.ok(!isPlainSafe(value), `${JSON.stringify(value)} must be quoted`);
    }
    assert.equal(scalarYaml('0123'), '"0123"');
    assert.equal(scalarYaml('on'), '"on"');
    assert.equal(scalarYaml('postgres'), 'postgres');
  });

  it('any string reads back unchanged (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), roundTrip), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), roundTrip), { numRuns: 5000 });
    // Short strings of number-ish characters are where the YAML 1.1 resolvers differ the most.
    const numberish = fc.string({ unit: fc.constantFrom(...'0123456789eE.+-_:xob'), maxLength: 8 });
    fc.assert(fc.property(numberish, roundTrip), { numRuns: 5000 });
  });

  it('docker-compose v1 reads the same strings, `$` included (property, one compose file per batch)', () => {
    const dir = tempDir();
    const values = [
      ...AMBIGUOUS.filter((v) => !v.includes('\0')),
      ...fc.sample(envText, 300),
      ...fc.sample(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }), 200),
    ];
    const environment = Object.fromEntries(values.map((v, i) => [`V${i}`, v]));
    const doc = { services: { app: { image: 'x', environment } } };
    writeFileSync(join(dir, 'compose.yml'), toYaml(escapeInterpolation(doc)));
    // PyYAML (what docker-compose loads files with) reads every value back exactly…
    const loaded = spawnSync(
      'python3',
      [
        '-c',
        'import json,sys,yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)',
        join(dir, 'compose.yml'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(loaded.status, 0, loaded.stderr);
    const raw = JSON.parse(loaded.stdout).services.app.environment as Record<string, string>;
    for (const [k, v] of Object.entries(environment)) assert.equal(raw[k]?.replaceAll('$$', '$'), v, `PyYAML ${k}`);
    // …and `docker-compose config` resolves them, `$$` included. Its printed output cannot carry NEL, LS and PS
    // (YAML 1.1 line breaks, folded by PyYAML's own dump/load round trip), so those are compared above only.
    const { config } = composeConfig(dir, ['compose.yml']);
    const got = config.services.app?.environment ?? {};
    for (const [k, v] of Object.entries(environment))
      if (!/[\u0085\u2028\u2029]/.test(v)) assert.equal(got[k], v, `${k}: ${JSON.stringify(v)}`);
  });
});
