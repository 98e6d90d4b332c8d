/**
 * A small HashiCorp Vault client for the KV version 2 secrets engine, on node:http/https (no dependency).
 *
 * Credentials come the standard way and only that way: `VAULT_ADDR`, `VAULT_TOKEN` or `~/.vault-token`, else an
 * AppRole login with `VAULT_ROLE_ID`/`VAULT_SECRET_ID`; `VAULT_NAMESPACE` (the `X-Vault-Namespace` header),
 * `VAULT_CACERT` (a PEM file of trusted CAs). The token goes only into the `X-Vault-Token` header: never into a URL,
 * an argument, a message or an error. Error messages name the method and the API path; text the server sends back
 * is quoted only with the token and every value of the request masked (servers and proxies echo requests).
 *
 * Transient failures (connection refused or reset, a timeout, 5xx, 429) are retried a bounded number of times with
 * full jitter (`VAULT_MAX_RETRIES`, default 2; `VAULT_CLIENT_TIMEOUT` seconds per attempt, default 60, as the
 * Vault CLI reads them).
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EnvplaneError } from '../../errors.ts';

export interface VaultSettings {
  /** `https://vault.example.com:8200`; no path, query or credentials. */
  address: string;
  namespace?: string;
  /** PEM text of the CAs to trust (from `VAULT_CACERT`). */
  ca?: string;
  /** A token, or how to get one. */
  auth: { token: string } | { roleId: string; secretId: string; mount?: string };
  /** Retries after the first attempt of a transient failure. */
  maxRetries?: number;
  /** Milliseconds one attempt may take. */
  timeoutMs?: number;
  /** Base of the exponential backoff in milliseconds (the wait before retry n is uniform in [0, base·2ⁿ)). */
  backoffMs?: number;
  /** Called before each retry (tests count them). */
  onRetry?: (attempt: number, reason: string) => void;
}

export interface KvVersion {
  version: number;
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

export interface KvSecret {
  data: Record<string, string>;
  version: number;
  createdTime: string;
}

export interface KvMetadata {
  currentVersion: number;
  oldestVersion: number;
  createdTime: string;
  updatedTime: string;
  casRequired: boolean;
  maxVersions: number;
  versions: Record<string, KvVersion>;
}

/** What went wrong talking to Vault, with the HTTP status when there was an answer. */
export class VaultError extends EnvplaneError {
  readonly status: number | undefined;
  /** The API path (`secret/data/app/prod/DB_PASSWORD`), never a URL with credentials. */
  readonly path: string;
  constructor(status: number | undefined, path: string, message: string, hint?: string) {
    super('failure', message, hint === undefined ? {} : { hint });
    this.status = status;
    this.path = path;
  }
}

/** Settings from the environment as the Vault CLI reads it; `address` overrides `VAULT_ADDR` (the manifest's). */
export function vaultSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { address?: string; namespace?: string } = {},
): VaultSettings {
  const address = options.address ?? env.VAULT_ADDR;
  if (!address)
    throw new EnvplaneError('usage', 'no Vault address', {
      hint: 'set VAULT_ADDR, or `address:` in the environment’s `secrets:` entry of envplane.yaml',
    });
  checkAddress(address);
  const namespace = env.VAULT_NAMESPACE || options.namespace;
  let ca: string | undefined;
  if (env.VAULT_CACERT) {
    try {
      ca = readFileSync(env.VAULT_CACERT, 'utf8');
    } catch (e) {
      throw new EnvplaneError(
        'input',
        `cannot read VAULT_CACERT ${env.VAULT_CACERT} (${(e as NodeJS.ErrnoException).code})`,
        {
          hint: 'VAULT_CACERT names a PEM file of the CAs to trust',
        },
      );
    }
  }
  const maxRetries = numberFrom(env.VAULT_MAX_RETRIES, 'VAULT_MAX_RETRIES', 2);
  const timeoutMs = numberFrom(env.VAULT_CLIENT_TIMEOUT, 'VAULT_CLIENT_TIMEOUT', 60) * 1000;
  const backoffMs = numberFrom(env.ENVPLANE_RETRY_BACKOFF_MS, 'ENVPLANE_RETRY_BACKOFF_MS', 250);
  return {
    address,
    ...(namespace ? { namespace } : {}),
    ...(ca !== undefined ? { ca } : {}),
    auth: authFromEnv(env),
    maxRetries,
    timeoutMs,
    backoffMs,
  };
}

function authFromEnv(env: Readonly<Record<string, string | undefined>>): VaultSettings['auth'] {
  if (env.VAULT_TOKEN) return { token: env.VAULT_TOKEN };
  if (env.VAULT_ROLE_ID && env.VAULT_SECRET_ID) return { roleId: env.VAULT_ROLE_ID, secretId: env.VAULT_SECRET_ID };
  const home = env.HOME || homedir();
  try {
    const token = readFileSync(join(home, '.vault-token'), 'utf8').trim();
    if (token) return { token };
  } catch {
    // no token file: fall through to the error below
  }
  throw new EnvplaneError('usage', 'no Vault credentials', {
    hint: 'set VAULT_TOKEN, log in with `vault login` (it writes ~/.vault-token), or set VAULT_ROLE_ID and VAULT_SECRET_ID for AppRole',
  });
}

function checkAddress(address: string): void {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new EnvplaneError('usage', 'the Vault address is not a URL', { hint: 'e.g. https://vault.example.com:8200' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EnvplaneError('usage', `the Vault address must be http:// or https:// (got ${url.protocol})`);
  if (url.username || url.password)
    throw new EnvplaneError('usage', 'the Vault address carries credentials', {
      hint: 'put the token in VAULT_TOKEN or ~/.vault-token, never in the address',
    });
  if (url.search || url.hash) throw new EnvplaneError('usage', 'the Vault address has a query or fragment');
}

function numberFrom(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text.replace(/s$/, ''));
  if (!Number.isFinite(n) || n < 0) throw new EnvplaneError('usage', `${name} must be a non-negative number`);
  return n;
}

interface Answer {
  status: number;
  body: unknown;
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH']);

export class VaultClient {
  readonly settings: VaultSettings;
  #token: string | undefined;
  #login: Promise<string> | undefined;
  readonly #agent: HttpAgent;
  readonly #base: URL;

  constructor(settings: VaultSettings) {
    checkAddress(settings.address);
    this.settings = settings;
    this.#base = new URL(settings.address);
    if ('token' in settings.auth) this.#token = settings.auth.token;
    this.#agent =
      this.#base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(settings.ca ? { ca: settings.ca } : {}) })
        : new HttpAgent({ keepAlive: true, maxSockets: 16 });
  }

  close(): void {
    this.#agent.destroy();
  }

  // ---- KV version 2 ----

  /** The latest (or a given) version of a secret, or undefined when there is none or it is deleted or destroyed. */
  async kvRead(mount: string, path: string, version?: number): Promise<KvSecret | undefined> {
    const api = `${mount}/data/${path}`;
    const a = await this.call('GET', api, undefined, version === undefined ? undefined : `version=${version}`);
    if (a.status === 404) return undefined;
    // The answer to a data read may hold values whatever its status: its text is never quoted.
    this.expect(a, 'GET', api, [200], [], false);
    const d = field(a.body, 'data');
    const data = field(d, 'data');
    const meta = field(d, 'metadata');
    if (data === null) return undefined; // deleted or destroyed version (older servers answer 200 so)
    if (typeof data !== 'object' || data === undefined)
      throw new VaultError(a.status, api, `Vault answered GET ${api} without data`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      if (typeof v === 'string') out[k] = v;
    }
    return { data: out, version: Number(field(meta, 'version')), createdTime: String(field(meta, 'created_time')) };
  }

  /**
   * Writes a new version. `cas` 0 means "only if the secret does not exist", n "only if the current version is n";
   * undefined writes unconditionally. Answers the new version, or `{ conflict: true }` when the CAS check failed.
   */
  async kvWrite(
    mount: string,
    path: string,
    data: Record<string, string>,
    cas?: number,
  ): Promise<{ version: number } | { conflict: true }> {
    const api = `${mount}/data/${path}`;
    const body = { ...(cas === undefined ? {} : { options: { cas } }), data };
    const a = await this.call('POST', api, body);
    const said = errorsOf(a.body);
    if (a.status === 400 && said.some((e) => /check-and-set parameter did not match/i.test(e)))
      return { conflict: true };
    if (a.status === 400 && said.some((e) => /check-and-set parameter required/i.test(e)))
      throw new VaultError(
        400,
        api,
        `the mount of ${api} requires check-and-set and the write gave none`,
        'envplane push always sends one; another tool wrote without it',
      );
    this.expect(a, 'POST', api, [200, 204], Object.values(data));
    return { version: Number(field(field(a.body, 'data'), 'version')) };
  }

  async kvMetadata(mount: string, path: string): Promise<KvMetadata | undefined> {
    const api = `${mount}/metadata/${path}`;
    const a = await this.call('GET', api);
    if (a.status === 404) return undefined;
    this.expect(a, 'GET', api, [200]);
    const d = field(a.body, 'data') as Record<string, unknown>;
    const versions: Record<string, KvVersion> = {};
    for (const [n, v] of Object.entries((d.versions ?? {}) as Record<string, Record<string, unknown>>)) {
      versions[n] = {
        version: Number(n),
        createdTime: String(v.created_time),
        deletionTime: String(v.deletion_time ?? ''),
        destroyed: v.destroyed === true,
      };
    }
    return {
      currentVersion: Number(d.current_version),
      oldestVersion: Number(d.oldest_version),
      createdTime: String(d.created_time),
      updatedTime: String(d.updated_time),
      casRequired: d.cas_required === true,
      maxVersions: Number(d.max_versions),
      versions,
    };
  }

  /** Names under a folder (`a`, `b/` for a folder), or [] when there is nothing. */
  async kvList(mount: string, path: string): Promise<string[]> {
    const folder = path === '' || path.endsWith('/') ? path : `${path}/`;
    const api = `${mount}/metadata/${folder}`;
    const a = await this.call('LIST', api);
    if (a.status === 404) return [];
    this.expect(a, 'LIST', api, [200]);
    const keys = field(field(a.body, 'data'), 'keys');
    return Array.isArray(keys) ? keys.map(String) : [];
  }

  /** Soft-deletes the given versions (or the latest one). */
  async kvDelete(mount: string, path: string, versions?: number[]): Promise<void> {
    const api = versions ? `${mount}/delete/${path}` : `${mount}/data/${path}`;
    const a = versions ? await this.call('POST', api, { versions }) : await this.call('DELETE', api);
    this.expect(a, versions ? 'POST' : 'DELETE', api, [200, 204]);
  }

  async kvUndelete(mount: string, path: string, versions: number[]): Promise<void> {
    const api = `${mount}/undelete/${path}`;
    this.expect(await this.call('POST', api, { versions }), 'POST', api, [200, 204]);
  }

  async kvDestroy(mount: string, path: string, versions: number[]): Promise<void> {
    const api = `${mount}/destroy/${path}`;
    this.expect(await this.call('PUT', api, { versions }), 'PUT', api, [200, 204]);
  }

  /**
   * The mount preflight the Vault CLI makes: which engine, at which mount, serves `path`. Answers the mount path
   * without its trailing slash and the KV version, or throws a located error (no mount, not KV, KV version 1).
   */
  async mountOf(path: string): Promise<{ mount: string; version: number }> {
    const api = `sys/internal/ui/mounts/${path}`;
    const a = await this.call('GET', api);
    // Vault answers 403 both for "no mount here" and "no capability under this mount" (so that the endpoint cannot
    // be used to list mounts).
    if (a.status === 403)
      throw new VaultError(
        403,
        api,
        `Vault has no mount at ${path} that this token may use (403 from the mount lookup)`,
        'check `mount:` in envplane.yaml and the token’s policy (`envplane render vault-policy` prints what an instance needs)',
      );
    this.expect(a, 'GET', api, [200]);
    const d = field(a.body, 'data');
    const type = String(field(d, 'type'));
    const mount = String(field(d, 'path')).replace(/\/$/, '');
    const version = Number(field(field(d, 'options'), 'version') ?? 1);
    if (type !== 'kv' && type !== 'generic')
      throw new VaultError(a.status, api, `${mount} is a ${type} engine, not a KV store`);
    return { mount, version };
  }

  // ---- transport ----

  /** One API call with retries of transient failures. 4xx answers are returned, not thrown. */
  async call(method: string, api: string, body?: unknown, query?: string): Promise<Answer> {
    const token = await this.token();
    const max = this.settings.maxRetries ?? 2;
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        const a = await this.once(method, api, body, query, token);
        if (a.status !== 429 && a.status < 500) return a;
        if (attempt >= max) return a;
        reason = `HTTP ${a.status}`;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!(TRANSIENT_CODES.has(code) || code === 'ENVPLANE_TIMEOUT') || attempt >= max)
          throw this.networkError(method, api, e, attempt + 1);
        reason = code;
      }
      this.settings.onRetry?.(attempt + 1, reason);
      const base = this.settings.backoffMs ?? 250;
      const wait = base === 0 ? 0 : randomInt(0, Math.max(1, Math.min(base * 2 ** attempt, 10_000)));
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private networkError(method: string, api: string, e: unknown, attempts: number): VaultError {
    const code = (e as NodeJS.ErrnoException).code;
    const what =
      code === 'ENVPLANE_TIMEOUT'
        ? 'timed out'
        : code === 'ECONNREFUSED'
          ? 'connection refused'
          : code
            ? `network error ${code}`
            : `network error (${e instanceof Error ? e.name : typeof e})`;
    return new VaultError(
      undefined,
      api,
      `Vault at ${this.#base.origin}: ${method} ${api}: ${what} (${attempts} attempt${attempts === 1 ? '' : 's'})`,
      'is VAULT_ADDR right and the server up? (VAULT_MAX_RETRIES and VAULT_CLIENT_TIMEOUT tune the retries)',
    );
  }

  private once(
    method: string,
    api: string,
    body: unknown,
    query: string | undefined,
    token: string | undefined,
  ): Promise<Answer> {
    const url = new URL(
      `/v1/${api.split('/').map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`,
      this.#base,
    );
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', Accept: 'application/json' };
    if (token !== undefined) headers['X-Vault-Token'] = token;
    if (this.settings.namespace) headers['X-Vault-Namespace'] = this.settings.namespace;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Answer>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = { errors: [text.slice(0, 300)] };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.setTimeout(this.settings.timeoutMs ?? 60_000, () => {
        const e = new Error('timeout') as NodeJS.ErrnoException;
        e.code = 'ENVPLANE_TIMEOUT';
        req.destroy(e);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async token(): Promise<string | undefined> {
    if (this.#token !== undefined) return this.#token;
    const auth = this.settings.auth;
    if ('token' in auth) return auth.token;
    this.#login ??= (async () => {
      const mount = auth.mount ?? 'approle';
      const api = `auth/${mount}/login`;
      const secrets = [auth.roleId, auth.secretId];
      let a: Answer;
      for (let attempt = 0; ; attempt++) {
        try {
          a = await this.once('POST', api, { role_id: auth.roleId, secret_id: auth.secretId }, undefined, undefined);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          if (!(TRANSIENT_CODES.has(code) || code === 'ENVPLANE_TIMEOUT') || attempt >= (this.settings.maxRetries ?? 2))
            throw this.networkError('POST', api, e, attempt + 1);
          continue;
        }
        if ((a.status === 429 || a.status >= 500) && attempt < (this.settings.maxRetries ?? 2)) continue;
        break;
      }
      if (a.status === 400 || a.status === 403)
        throw new VaultError(
          a.status,
          api,
          `Vault refused the AppRole login (${a.status})`,
          'check VAULT_ROLE_ID and VAULT_SECRET_ID',
        );
      this.expect(a, 'POST', api, [200], secrets);
      const token = field(field(a.body, 'auth'), 'client_token');
      if (typeof token !== 'string' || token === '')
        throw new VaultError(a.status, api, 'the AppRole login answered no client token');
      this.#token = token;
      return token;
    })();
    return this.#login;
  }

  /** Throws a located error unless the status is one of `ok`; server text is quoted with secrets masked. */
  expect(a: Answer, method: string, api: string, ok: number[], values: readonly string[] = [], quote = true): void {
    if (ok.includes(a.status)) return;
    const said = quote ? this.quote(errorsOf(a.body), values) : '';
    const tail = said ? `: ${said}` : '';
    if (a.status === 403)
      throw new VaultError(
        403,
        api,
        `Vault denied ${method} ${api} (403 permission denied)`,
        'the token’s policy must grant this path (`envplane render vault-policy` prints the one an instance needs)',
      );
    if (a.status === 401)
      throw new VaultError(
        401,
        api,
        `Vault rejected the token for ${method} ${api} (401)`,
        'log in again (VAULT_TOKEN, ~/.vault-token)',
      );
    if (a.status === 404) throw new VaultError(404, api, `nothing at ${api} (404)`);
    throw new VaultError(a.status, api, `Vault answered ${method} ${api} with HTTP ${a.status}${tail}`);
  }

  /** Server messages with the token and the request's values masked; nothing when a value is too short to mask. */
  private quote(errors: string[], values: readonly string[]): string {
    if (errors.length === 0) return '';
    const secrets = [
      ...values,
      this.#token ?? '',
      'token' in this.settings.auth ? this.settings.auth.token : this.settings.auth.secretId,
    ];
    if (secrets.some((s) => s.length > 0 && s.length < 4)) return '(server message withheld: it could echo a value)';
    let text = errors.join('; ').replace(/\s+/g, ' ').trim().slice(0, 500);
    for (const s of secrets.filter((x) => x.length > 0).sort((x, y) => y.length - x.length))
      text = text.split(s).join('***');
    // A value cut by the 500-character limit could survive as a prefix: drop the text when any 8-char piece remains.
    for (const s of secrets) {
      for (let i = 0; i + 8 <= s.length; i += 4)
        if (text.includes(s.slice(i, i + 8))) return '(server message withheld: it echoes the request)';
    }
    return text;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function errorsOf(body: unknown): string[] {
  const e = field(body, 'errors');
  return Array.isArray(e) ? e.map(String) : [];
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
