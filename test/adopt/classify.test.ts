import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyKey, nameWords } from '../../src/adopt/classify.ts';

test('names split into words in every casing', () => {
  assert.deepEqual(nameWords('postgresPassword'), ['POSTGRES', 'PASSWORD']);
  assert.deepEqual(nameWords('jira-api.token'), ['JIRA', 'API', 'TOKEN']);
});

test('planes from names, with the word that decided', () => {
  const cases: [string, string | undefined, string, boolean][] = [
    ['POSTGRES_PASSWORD', 'x', 'secret', true],
    ['postgres_password', undefined, 'secret', true],
    ['JWT_SECRET_KEY', 'x', 'secret', true],
    ['API_KEY', 'x', 'secret', true],
    ['KEYBOARD_LAYOUT', 'us', 'config', true],
    ['AWS_ACCESS_KEY_ID', 'x', 'secret', true],
    ['GITHUB_TOKEN', 'x', 'secret', true],
    ['SSH_PRIVATE_KEY', 'x', 'secret', true],
    ['GOOGLE_CREDENTIALS', 'x', 'secret', true],
    ['ACCESS_TOKEN_EXPIRE_MINUTES', '480', 'config', true],
    ['POSTGRES_PASSWORD_FILE', '/run/secrets/x', 'config', true],
    ['PASSWORD_MIN_LENGTH', '12', 'config', true],
    ['STRIPE_PUBLISHABLE_KEY', 'pk_x', 'config', true],
    ['VITE_API_URL', 'http://x', 'public', true],
    ['NEXT_PUBLIC_SITE', 'x', 'public', true],
    ['REACT_APP_MODE', 'x', 'public', true],
    ['VITE_STRIPE_SECRET', 'x', 'public', true],
    ['LOG_LEVEL', 'INFO', 'config', true],
    ['CSRF_SALT', 'x', 'config', false],
    ['SENTRY_DSN', 'https://k@sentry.io/1', 'config', false],
  ];
  for (const [name, value, plane, certain] of cases) {
    const c = classifyKey(name, value);
    assert.equal(c.plane, plane, name);
    assert.equal(c.certain, certain, name);
    assert.ok(c.reason.length > 0);
  }
  assert.match(classifyKey('JWT_SECRET_KEY').reason, /word SECRET/);
});

test('secret-looking values make a secret of an innocent name, and the reason never quotes the value', () => {
  const values = [
    'sk-abcdefghijklmnopqrstuvwx',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'postgres://app:hunter2@db:5432/app',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIE',
    'Zx8kP2qLr9vT4wYbN7mC3sDfGh6jK1aQ',
    'AKIAIOSFODNN7EXAMPLE',
  ];
  for (const value of values) {
    const c = classifyKey('SOME_SETTING', value);
    assert.equal(c.plane, 'secret', value);
    assert.ok(!c.reason.includes(value.slice(0, 6)), c.reason);
  }
  for (const value of ['http://localhost:8000/api/v1', 'development', '/var/lib/data/files/cache/dir', 'a'.repeat(40)])
    assert.equal(classifyKey('SOME_SETTING', value).plane, 'config', value);
});
