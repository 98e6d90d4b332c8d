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

test('credentials inside URLs (any scheme, empty user) and connection strings make a secret, whatever the name', () => {
  const secret = [
    ['REDIS_URL', 'redis://:Pq7hunter2@cache:6379/0'],
    ['CACHE', 'rediss://default:Pq7hunter2@cache:6380'],
    ['JDBC', 'jdbc:postgresql://app:Pq7hunter2@db/app'],
    ['AMQP_URI', 'amqp://guest:Pq7hunter2@mq:5672/vhost'],
    ['TOKEN_URL', 'https://u:Pq7hunter2@id.example.com/token'],
    ['REPO', 'https://ghp0a1b2c3d4e5f6g7h8i9j0@github.com/o/r.git'],
    ['CONN', 'Server=db;Database=app;User Id=sa;Password=Pq7hunter2;'],
    ['CONN', 'Server=db;Uid=sa;Pwd="Pq7hunter2";'],
    ['STORAGE', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Pq7hunter2==;EndpointSuffix=core.windows.net'],
    ['BUS', 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=Pq7hunter2='],
    ['PG', 'host=db port=5432 dbname=app user=app password=Pq7hunter2'],
    ['WEBHOOK_TARGET', 'https://hooks.example.com/in?channel=x&token=Pq7hunter2'],
    ['BLOB_SAS', 'https://a.blob.core.windows.net/c?sv=2022&sig=Pq7hunter2%3D'],
  ];
  for (const [name, value] of secret) {
    const c = classifyKey(name!, value);
    assert.equal(c.plane, 'secret', `${name}=${value}`);
    assert.ok(c.certain, name);
    assert.ok(!c.reason.includes('Pq7hunter2') && !c.reason.includes('ghp0a1b2'), c.reason);
  }
  const config = [
    ['REDIS_URL', 'redis://cache:6379/0'],
    ['DATABASE_URL', 'postgres://app:${DB_PASSWORD}@db/app'],
    ['DATABASE_URL', 'postgres://app:@db/app'],
    ['GIT_REMOTE', 'ssh://git@github.com/o/r.git'],
    ['CONN', 'Server=db;Database=app;Trusted_Connection=True;'],
    ['CONN', 'Server=db;Password=;'],
    ['OIDC', 'issuer=https://id.example.com;TokenEndpoint=https://id.example.com/token'],
    ['API_BASE', 'https://api.example.com/v1?page=2&sort=asc'],
  ];
  for (const [name, value] of config) assert.equal(classifyKey(name!, value).plane, 'config', `${name}=${value}`);
  // A browser-inlined key holding a credential: not certain, so init writes no value of it.
  const pub = classifyKey('VITE_API', 'https://u:Pq7hunter2@api.example.com');
  assert.equal(pub.plane, 'public');
  assert.equal(pub.certain, false);
});
