/**
 * A wire-level fake of HashiCorp Vault's KV version 2 secrets engine, served in-process on 127.0.0.1 (port 0).
 *
 * It follows the HTTP API documents (developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2, sys/internal/ui/mounts,
 * auth/approle/login) for what envplane and hvac use:
 * - `GET|POST|PUT|PATCH|DELETE /v1/<mount>/data/<path>` (read with `?version=`, write with `options.cas`, merge
 *   patch, soft-delete the latest version); `POST /v1/<mount>/delete|undelete/<path>` and `PUT|POST destroy/`
 *   with `{"versions":[…]}`; `GET|LIST|POST|DELETE /v1/<mount>/metadata/<path>` (also `GET ?list=true`);
 *   `GET|POST /v1/<mount>/config` (max_versions, cas_required, delete_version_after).
 * - Answers: `{"request_id","lease_id","renewable","lease_duration","data","wrap_info","warnings","auth"}`; errors
 *   `{"errors":[…]}`; 404 with `{"errors":[]}` for nothing there, and 404 with the version's metadata and
 *   `data: null` for a deleted or destroyed version; 400 "check-and-set parameter did not match the current
 *   version" / "check-and-set parameter required for this call"; 403 `{"errors":["1 error occurred:\n\t* permission
 *   denied\n\n"]}`; 405 for a method a path does not take.
 * - The mount preflight `GET /v1/sys/internal/ui/mounts/<path>`: the mount's info with `path` and
 *   `options.version`, or 403 "preflight capability check returned 403, …" both when no mount matches and when the
 *   token has no capability under the mount (as Vault does, so the endpoint cannot list mounts).
 * - `X-Vault-Token` (401/403 without a valid one), `X-Vault-Namespace` (each namespace its own storage), AppRole
 *   login, ACL policies in Vault's path syntax (exact, trailing `*` prefix, `+` one segment; the most specific
 *   rule wins; `deny` wins within a rule), the capability each call needs (read, list, create vs update, delete).
 *
 * Where it is simpler than the real server (recorded in docs/stores/vault.md): no leases, no response wrapping,
 * no `delete_version_after` expiry (stored and returned, never applied), no custom_metadata limits, no
 * `sys/mounts` management API, policies given as data (not HCL), no request forwarding or consistency headers,
 * HTTP/1.1 only, one process's memory. Fault hooks (`faults`) let tests make it fail the way servers fail.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

export type Capability = 'create' | 'read' | 'update' | 'delete' | 'list' | 'sudo' | 'deny' | 'patch';
export interface PolicyRule {
  path: string;
  capabilities: Capability[];
}

interface Version {
  data: Record<string, unknown> | null;
  created: string;
  deleted: string;
  destroyed: boolean;
}
interface Entry {
  versions: Map<number, Version>;
  current: number;
  oldest: number;
  created: string;
  updated: string;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
  customMetadata: Record<string, string> | null;
}
interface Mount {
  path: string; // with trailing slash
  type: string;
  version: string;
  uuid: string;
  accessor: string;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
  entries: Map<string, Entry>;
}

export interface Fault {
  /** Which requests it hits: a predicate on method and path (`/v1/...`). */
  match: (method: string, path: string) => boolean;
  /** What happens: an HTTP status with a body, a reset connection, or a connection that never answers. */
  action: { status: number; body?: unknown } | 'reset' | 'hang';
  /** How many times (default: every time). */
  times?: number;
}

export interface RequestLog {
  method: string;
  path: string;
  namespace: string;
  token: string;
  status: number;
}

export interface VaultFakeOptions {
  /** Token → policy rules; `'root'` may do anything. */
  tokens?: Record<string, PolicyRule[] | 'root'>;
  /** AppRole role_id → secret_id and the policy of the tokens it issues. */
  appRoles?: Record<string, { secretId: string; policy: PolicyRule[] | 'root' }>;
  /** Extra mounts besides `secret/` (KV v2): e.g. `{ 'kv1/': 1 }`. */
  mounts?: Record<string, 1 | 2>;
  /** Namespaces other than the root one (each with the same mounts, empty). */
  namespaces?: string[];
}

const PERMISSION_DENIED = '1 error occurred:\n\t* permission denied\n\n';

export class VaultFake {
  readonly server: Server;
  readonly log: RequestLog[] = [];
  readonly faults: Fault[] = [];
  /** Every request body as received (the canary tests read it back to be sure what envplane sent). */
  readonly bodies: string[] = [];
  private readonly tokens = new Map<string, PolicyRule[] | 'root'>();
  private readonly appRoles: NonNullable<VaultFakeOptions['appRoles']>;
  private readonly spaces = new Map<string, Map<string, Mount>>();
  private readonly sockets = new Set<Socket>();
  private clock = Date.UTC(2026, 0, 1);
  address = '';

  constructor(options: VaultFakeOptions = {}) {
    for (const [t, p] of Object.entries(options.tokens ?? { root: 'root' })) this.tokens.set(t, p);
    this.appRoles = options.appRoles ?? {};
    for (const ns of ['', ...(options.namespaces ?? [])]) {
      const mounts = new Map<string, Mount>();
      for (const [path, version] of Object.entries({ 'secret/': 2, ...(options.mounts ?? {}) })) {
        mounts.set(path, {
          path,
          type: 'kv',
          version: String(version),
          // unseeded: an id or token the fake issues, like Vault's own; no assertion depends on its bytes.
          uuid: randomUUID(),
          // unseeded: an id or token the fake issues, like Vault's own; no assertion depends on its bytes.
          accessor: `kv_${randomUUID().slice(0, 8)}`,
          maxVersions: 0,
          casRequired: false,
          deleteVersionAfter: '0s',
          entries: new Map(),
        });
      }
      this.spaces.set(ns, mounts);
    }
    this.server = createServer((socket) => this.serve(socket));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('no address');
    this.address = `http://127.0.0.1:${a.port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  setToken(token: string, policy: PolicyRule[] | 'root'): void {
    this.tokens.set(token, policy);
  }

  /** Tests read what is stored without going through HTTP (the third opinion beside envplane and hvac). */
  stored(
    mount: string,
    path: string,
    namespace = '',
  ): { data: Record<string, unknown> | null; version: number } | undefined {
    const e = this.spaces.get(namespace)?.get(`${mount}/`)?.entries.get(path);
    if (!e || e.current === 0) return undefined;
    return { data: e.versions.get(e.current)?.data ?? null, version: e.current };
  }

  paths(mount: string, namespace = ''): string[] {
    return [...(this.spaces.get(namespace)?.get(`${mount}/`)?.entries.keys() ?? [])].sort();
  }

  // ---- HTTP/1.1 over a raw socket: node:http's parser refuses Vault's LIST method ----

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let busy = false;
    const pump = () => {
      if (busy) return;
      const head = buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      const lines = buffer.subarray(0, head).toString('latin1').split('\r\n');
      const [method = '', target = ''] = (lines[0] ?? '').split(' ');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (buffer.length < head + 4 + length) return;
      const body = buffer.subarray(head + 4, head + 4 + length).toString('utf8');
      buffer = buffer.subarray(head + 4 + length);
      busy = true;
      const fault = this.takeFault(method, target);
      if (fault === 'reset') {
        socket.destroy();
        return;
      }
      if (fault === 'hang') return; // never answers; the client's timeout ends it
      const answer = fault ?? this.handle(method, target, headers, body);
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      const reason =
        { 200: 'OK', 204: 'No Content', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[answer.status] ??
        'Status';
      socket.write(
        `HTTP/1.1 ${answer.status} ${reason}\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
      busy = false;
      if ((headers.connection ?? '').toLowerCase() === 'close') socket.end();
      else pump();
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      pump();
    });
  }

  private takeFault(method: string, target: string): { status: number; body?: unknown } | 'reset' | 'hang' | undefined {
    const path = target.split('?')[0] ?? '';
    for (const f of this.faults) {
      if ((f.times ?? Number.POSITIVE_INFINITY) <= 0 || !f.match(method, path)) continue;
      if (f.times !== undefined) f.times--;
      return f.action;
    }
    return undefined;
  }

  // ---- the API ----

  private handle(
    method: string,
    target: string,
    headers: Record<string, string>,
    raw: string,
  ): { status: number; body?: unknown } {
    this.bodies.push(raw);
    const [pathPart = '', query = ''] = target.split('?');
    const params = new URLSearchParams(query);
    const token = headers['x-vault-token'] ?? '';
    const namespace = (headers['x-vault-namespace'] ?? '').replace(/^\/|\/$/g, '');
    const answer = this.route(method, decodeURIComponent(pathPart), params, token, namespace, raw);
    this.log.push({ method, path: pathPart, namespace, token, status: answer.status });
    return answer;
  }

  private route(
    method: string,
    path: string,
    params: URLSearchParams,
    token: string,
    namespace: string,
    raw: string,
  ): { status: number; body?: unknown } {
    if (!path.startsWith('/v1/')) return { status: 404, body: { errors: [] } };
    const api = path.slice(4);
    let body: Record<string, unknown> = {};
    if (raw !== '') {
      try {
        const parsed = JSON.parse(raw);
        if (typeof parsed === 'object' && parsed !== null) body = parsed;
      } catch {
        return { status: 400, body: { errors: ['failed to parse JSON input: invalid character'] } };
      }
    }
    const mounts = this.spaces.get(namespace);
    if (!mounts)
      return { status: 404, body: { errors: ['no handler for route "' + api + '". route entry not found.'] } };

    if (api.startsWith('auth/approle/login') && (method === 'POST' || method === 'PUT')) {
      const role = this.appRoles[String(body.role_id ?? '')];
      if (!role || role.secretId !== body.secret_id)
        return { status: 400, body: { errors: ['invalid role or secret ID'] } };
      // unseeded: an id or token the fake issues, like Vault's own; no assertion depends on its bytes.
      const issued = `hvs.${randomUUID().replaceAll('-', '')}`;
      this.tokens.set(issued, role.policy);
      return ok(
        {},
        {
          client_token: issued,
          // unseeded: an id or token the fake issues, like Vault's own; no assertion depends on its bytes.
          accessor: randomUUID(),
          policies: ['default'],
          token_policies: ['default'],
          lease_duration: 3600,
          renewable: true,
        },
      );
    }

    const policy = this.tokens.get(token);
    if (token === '' || policy === undefined) return { status: 403, body: { errors: [PERMISSION_DENIED] } };
    if (api === 'auth/token/lookup-self')
      return ok({ id: token, policies: policy === 'root' ? ['root'] : ['default'] });

    if (api.startsWith('sys/internal/ui/mounts/')) {
      const rest = api.slice('sys/internal/ui/mounts/'.length);
      const sanitized = rest.endsWith('/') ? rest : `${rest}/`;
      const denied = {
        status: 403,
        body: {
          errors: [
            `preflight capability check returned 403, please ensure client's policies grant access to path "${sanitized}"`,
          ],
        },
      };
      const m = matchMount(mounts, rest);
      if (!m || !hasMountAccess(policy, m.path)) return denied;
      return ok({
        accessor: m.accessor,
        config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
        description: 'key/value secret storage',
        external_entropy_access: false,
        local: false,
        options: { version: m.version },
        path: m.path,
        plugin_version: '',
        running_plugin_version: 'v0.20.0+builtin',
        running_sha256: '',
        seal_wrap: false,
        type: m.type,
        uuid: m.uuid,
      });
    }

    const m = matchMount(mounts, api);
    if (!m) return { status: 404, body: { errors: [`no handler for route "${api}". route entry not found.`] } };
    const inner = api.slice(m.path.length);
    const slash = inner.indexOf('/');
    const op = slash < 0 ? inner : inner.slice(0, slash);
    const key = slash < 0 ? '' : inner.slice(slash + 1);
    const isList = method === 'LIST' || (method === 'GET' && params.get('list') === 'true');
    const need = (cap: Capability) => allowed(policy, api, cap);
    const deny = { status: 403, body: { errors: [PERMISSION_DENIED] } };

    if (m.version === '1') return { status: 405, body: { errors: ['the fake serves KV version 2 only'] } };

    if (op === 'config' && key === '') {
      if (method === 'GET') {
        if (!need('read')) return deny;
        return ok({
          cas_required: m.casRequired,
          delete_version_after: m.deleteVersionAfter,
          max_versions: m.maxVersions,
        });
      }
      if (method === 'POST' || method === 'PUT') {
        if (!need('update')) return deny;
        if (body.max_versions !== undefined) m.maxVersions = Number(body.max_versions);
        if (body.cas_required !== undefined) m.casRequired = body.cas_required === true;
        if (body.delete_version_after !== undefined) m.deleteVersionAfter = String(body.delete_version_after);
        return { status: 204 };
      }
      return methodNotAllowed();
    }

    if (op === 'data') {
      if (key === '' || key.endsWith('/')) return { status: 404, body: { errors: [] } };
      const entry = m.entries.get(key);
      if (method === 'GET') {
        if (!need('read')) return deny;
        if (!entry || entry.current === 0) return { status: 404, body: { errors: [] } };
        const n =
          params.has('version') && params.get('version') !== '0' ? Number(params.get('version')) : entry.current;
        const v = entry.versions.get(n);
        if (!v) return { status: 404, body: { errors: [] } };
        const metadata = versionMeta(n, v, entry);
        if (v.deleted !== '' || v.destroyed) return { status: 404, body: envelope({ data: null, metadata }) };
        return ok({ data: v.data, metadata });
      }
      if (method === 'POST' || method === 'PUT') {
        if (!need(entry && entry.current > 0 ? 'update' : 'create')) return deny;
        const data = body.data;
        if (typeof data !== 'object' || data === null || Array.isArray(data))
          return { status: 400, body: { errors: ['no data provided'] } };
        const options = (body.options ?? {}) as Record<string, unknown>;
        const casRequired = m.casRequired || (entry?.casRequired ?? false);
        if (options.cas === undefined && casRequired)
          return { status: 400, body: { errors: ['check-and-set parameter required for this call'] } };
        if (options.cas !== undefined && Number(options.cas) !== (entry?.current ?? 0))
          return { status: 400, body: { errors: ['check-and-set parameter did not match the current version'] } };
        const e = entry ?? this.newEntry(m, key);
        const n = e.current + 1;
        const v: Version = {
          data: data as Record<string, unknown>,
          created: this.now(),
          deleted: '',
          destroyed: false,
        };
        e.versions.set(n, v);
        e.current = n;
        e.updated = v.created;
        if (e.oldest === 0) e.oldest = 1;
        this.trim(m, e);
        return ok(versionMeta(n, v, e));
      }
      if (method === 'PATCH') {
        if (!need('patch')) return deny;
        if (!entry || entry.current === 0) return { status: 404, body: { errors: [] } };
        const cur = entry.versions.get(entry.current);
        if (cur?.deleted !== '' || cur.destroyed) return { status: 404, body: { errors: [] } };
        const options = (body.options ?? {}) as Record<string, unknown>;
        if (options.cas !== undefined && Number(options.cas) !== entry.current)
          return { status: 400, body: { errors: ['check-and-set parameter did not match the current version'] } };
        const merged: Record<string, unknown> = { ...(cur.data ?? {}) };
        for (const [k, val] of Object.entries((body.data ?? {}) as Record<string, unknown>)) {
          if (val === null) delete merged[k];
          else merged[k] = val;
        }
        const n = entry.current + 1;
        const v: Version = { data: merged, created: this.now(), deleted: '', destroyed: false };
        entry.versions.set(n, v);
        entry.current = n;
        entry.updated = v.created;
        this.trim(m, entry);
        return ok(versionMeta(n, v, entry));
      }
      if (method === 'DELETE') {
        if (!need('delete')) return deny;
        const v = entry?.versions.get(entry.current);
        if (v && v.deleted === '' && !v.destroyed) v.deleted = this.now();
        return { status: 204 };
      }
      return methodNotAllowed();
    }

    if (op === 'delete' || op === 'undelete' || op === 'destroy') {
      const okMethod = op === 'destroy' ? method === 'PUT' || method === 'POST' : method === 'POST' || method === 'PUT';
      if (!okMethod) return methodNotAllowed();
      if (!need('update')) return deny;
      const versions = body.versions;
      if (!Array.isArray(versions) || versions.length === 0)
        return { status: 400, body: { errors: ['no version number provided'] } };
      const entry = m.entries.get(key);
      for (const n of versions.map(Number)) {
        const v = entry?.versions.get(n);
        if (!v) continue;
        if (op === 'delete' && v.deleted === '' && !v.destroyed) v.deleted = this.now();
        if (op === 'undelete' && !v.destroyed) v.deleted = '';
        if (op === 'destroy') {
          v.destroyed = true;
          v.data = null;
        }
      }
      return { status: 204 };
    }

    if (op === 'metadata') {
      if (isList) {
        if (!need('list')) return deny;
        const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
        const keys = new Set<string>();
        for (const p of m.entries.keys()) {
          if (!p.startsWith(prefix)) continue;
          const rest = p.slice(prefix.length);
          const i = rest.indexOf('/');
          keys.add(i < 0 ? rest : rest.slice(0, i + 1));
        }
        if (keys.size === 0) return { status: 404, body: { errors: [] } };
        return ok({ keys: [...keys].sort() });
      }
      const entry = m.entries.get(key);
      if (method === 'GET') {
        if (!need('read')) return deny;
        if (!entry) return { status: 404, body: { errors: [] } };
        const versions: Record<string, unknown> = {};
        for (const [n, v] of entry.versions)
          versions[String(n)] = { created_time: v.created, deletion_time: v.deleted, destroyed: v.destroyed };
        return ok({
          cas_required: entry.casRequired,
          created_time: entry.created,
          current_version: entry.current,
          custom_metadata: entry.customMetadata,
          delete_version_after: entry.deleteVersionAfter,
          max_versions: entry.maxVersions,
          oldest_version: entry.oldest,
          updated_time: entry.updated,
          versions,
        });
      }
      if (method === 'POST' || method === 'PUT') {
        if (!need(entry ? 'update' : 'create')) return deny;
        const e = entry ?? this.newEntry(m, key);
        if (body.max_versions !== undefined) e.maxVersions = Number(body.max_versions);
        if (body.cas_required !== undefined) e.casRequired = body.cas_required === true;
        if (body.delete_version_after !== undefined) e.deleteVersionAfter = String(body.delete_version_after);
        if (body.custom_metadata !== undefined) e.customMetadata = body.custom_metadata as Record<string, string>;
        this.trim(m, e);
        return { status: 204 };
      }
      if (method === 'DELETE') {
        if (!need('delete')) return deny;
        m.entries.delete(key);
        return { status: 204 };
      }
      return methodNotAllowed();
    }
    return { status: 404, body: { errors: [`no handler for route "${api}". route entry not found.`] } };
  }

  private newEntry(m: Mount, key: string): Entry {
    const now = this.now();
    const e: Entry = {
      versions: new Map(),
      current: 0,
      oldest: 0,
      created: now,
      updated: now,
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: '0s',
      customMetadata: null,
    };
    m.entries.set(key, e);
    return e;
  }

  /** Keeps at most max_versions (the entry's, else the mount's, else 10), dropping the oldest. */
  private trim(m: Mount, e: Entry): void {
    const max = e.maxVersions || m.maxVersions || 10;
    while (e.versions.size > max) {
      const oldest = Math.min(...e.versions.keys());
      e.versions.delete(oldest);
      e.oldest = Math.min(...e.versions.keys());
    }
  }

  /** A deterministic clock: each event one second later (tests never read the wall clock). */
  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace('Z', '000000Z');
  }
}

function ok(data: unknown, auth: unknown = null): { status: number; body: unknown } {
  return { status: 200, body: envelope(data, auth) };
}

function envelope(data: unknown, auth: unknown = null): unknown {
  return {
    // unseeded: an id or token the fake issues, like Vault's own; no assertion depends on its bytes.
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth,
  };
}

function methodNotAllowed(): { status: number; body: unknown } {
  return { status: 405, body: { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] } };
}

function versionMeta(n: number, v: Version, e: Entry): Record<string, unknown> {
  return {
    created_time: v.created,
    custom_metadata: e.customMetadata,
    deletion_time: v.deleted,
    destroyed: v.destroyed,
    version: n,
  };
}

function matchMount(mounts: Map<string, Mount>, api: string): Mount | undefined {
  const path = api.endsWith('/') ? api : `${api}/`;
  let best: Mount | undefined;
  for (const m of mounts.values()) if (path.startsWith(m.path) && (!best || m.path.length > best.path.length)) best = m;
  return best;
}

/** Vault's ACL matching, as far as envplane's policies need it: the most specific matching rule decides. */
export function allowed(policy: PolicyRule[] | 'root', path: string, cap: Capability): boolean {
  if (policy === 'root') return true;
  const rule = bestRule(policy, path);
  if (!rule || rule.capabilities.includes('deny')) return false;
  return rule.capabilities.includes(cap);
}

function bestRule(policy: PolicyRule[], path: string): PolicyRule | undefined {
  let best: { rule: PolicyRule; score: [number, number, number] } | undefined;
  for (const rule of policy) {
    if (!pathMatches(rule.path, path)) continue;
    // Exact beats glob; then the longer literal prefix; then fewer `+` segments (Vault's priority, simplified).
    const glob = rule.path.endsWith('*');
    const literal = rule.path.split('+')[0]?.replace(/\*$/, '').length ?? 0;
    const plus = rule.path.split('+').length - 1;
    const score: [number, number, number] = [glob ? 0 : 1, literal, -plus];
    if (!best || compare(score, best.score) > 0) best = { rule, score };
  }
  return best?.rule;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

export function pathMatches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const p = glob ? pattern.slice(0, -1) : pattern;
  const ps = p.split('/');
  const xs = path.split('/');
  if (!glob && ps.length !== xs.length) return false;
  for (let i = 0; i < ps.length; i++) {
    const seg = ps[i] as string;
    const x = xs[i];
    if (x === undefined) return false;
    const last = i === ps.length - 1;
    if (seg === '+') continue;
    if (last && glob) return x.startsWith(seg);
    if (seg !== x) return false;
  }
  return glob || xs.length === ps.length;
}

/** Vault's hasMountAccess: any capability other than deny on some path under the mount. */
function hasMountAccess(policy: PolicyRule[] | 'root', mountPath: string): boolean {
  if (policy === 'root') return true;
  return policy.some((r) => {
    if (r.capabilities.length === 0 || r.capabilities.includes('deny')) return false;
    const literal = r.path.split('+')[0]?.replace(/\*$/, '') ?? '';
    return literal.startsWith(mountPath) || mountPath.startsWith(literal) || (r.path.startsWith('+') && true);
  });
}
