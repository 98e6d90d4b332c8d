/**
 * What a running instance can see, reported by NAME only: its environment variables, the files in its secrets
 * directory (ENVPLANE_SECRETS_DIR) and the `*_FILE` variables. No value ever leaves this module.
 *
 * The probe answers "could this instance get at secret X?" without anyone sending it X. The caller sends, for each
 * secret it asks about, a keyed fingerprint (HMAC-SHA256 under a fresh random salt) and the secret's path in the
 * store. The instance fingerprints everything it was given (each env value, each file in its secrets dir, each file
 * a `*_FILE` variable names) and says where, if anywhere, a match or a mention of the path turned up; it also tries
 * to open the secret through its secrets dir by the store file's name. Asking about its own secrets is the control:
 * the probe must find those, or it proves nothing about the others.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** @param {{salt?: string, targets?: {label: string, path?: string, mac: string}[]}} probe */
export function report(probe = {}, env = process.env) {
  const secretsDir = env.ENVPLANE_SECRETS_DIR;
  const secretFiles = secretsDir ? safeList(secretsDir) : [];
  const fileVars = Object.keys(env)
    .filter((name) => name.endsWith('_FILE'))
    .sort();
  return {
    pid: process.pid,
    env: Object.keys(env).sort(),
    secretsDir: secretsDir !== undefined,
    secretFiles,
    fileVars: Object.fromEntries(fileVars.map((name) => [name, basename(env[name] ?? '')])),
    probe: (probe.targets ?? []).map((target) => look(target, probe.salt ?? '', env, secretsDir)),
  };
}

/** Everything this instance holds, as (where, bytes) pairs: env values, secrets-dir files, `*_FILE` files. */
function holdings(env, secretsDir) {
  const held = Object.entries(env).map(([name, value]) => ({ where: `env ${name}`, text: value ?? '' }));
  const files = new Set();
  if (secretsDir) for (const name of safeList(secretsDir)) files.add(join(secretsDir, name));
  for (const [name, value] of Object.entries(env)) if (name.endsWith('_FILE') && value) files.add(value);
  for (const file of files) {
    const text = safeRead(file);
    if (text !== undefined) held.push({ where: `file ${basename(file)}`, text });
  }
  return held;
}

function look(target, salt, env, secretsDir) {
  const found = [];
  for (const { where, text } of holdings(env, secretsDir)) {
    if (holds(text, salt, target.mac)) found.push(`${where} holds it`);
    else if (target.path && text.includes(target.path)) found.push(`${where} names its path`);
  }
  // The honest attempt: the instance's only door to secrets is its secrets dir; try the store file's name there.
  const attempts = [];
  if (target.path) {
    const tried = secretsDir ? join(secretsDir, basename(target.path)) : undefined;
    attempts.push({
      tried: tried ? `$ENVPLANE_SECRETS_DIR/${basename(target.path)}` : '$ENVPLANE_SECRETS_DIR (unset)',
      result: tried ? openResult(tried, salt, target.mac) : 'no secrets dir',
    });
    // And the door it was not given, reported as it is: the store path itself, relative to the working directory.
    // On a developer machine the store belongs to the same user, so this read works; in a container it does not
    // exist. The difference is what isolation means locally: only what `envplane run` hands over.
    attempts.push({
      tried: `${target.path} (the store, not given)`,
      result: openResult(target.path, salt, target.mac),
    });
  }
  return { label: target.label, found, attempts };
}

function openResult(file, salt, expected) {
  try {
    return holds(readFileSync(file, 'utf8'), salt, expected) ? 'read it' : 'read other';
  } catch (error) {
    return error.code ?? 'error';
  }
}

/** Whether `text` (or `text` without one trailing newline) has the fingerprint `expected`; compared in constant time. */
function holds(text, salt, expected) {
  const want = Buffer.from(String(expected), 'hex');
  return [text, text.replace(/\r?\n$/, '')].some((candidate) => {
    const got = Buffer.from(mac(salt, candidate), 'hex');
    return got.length === want.length && timingSafeEqual(got, want);
  });
}

export function mac(salt, text) {
  return createHmac('sha256', salt).update(text).digest('hex');
}

function safeList(dir) {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function safeRead(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
