/**
 * The isolation probe and its table. For every secret in the project (one per tenant for a per-tenant key) the
 * demo, acting as the project's owner, reads the value from the store and sends each running instance a keyed
 * fingerprint of it (HMAC-SHA256 under a random salt made for this run) with the secret's store path — never the
 * value. The instance answers where, among everything it was given, that fingerprint or path turns up, and what
 * happened when it tried to open the secret through its secrets directory (see services/_shared/report.mjs).
 *
 * Expected: an instance finds exactly the secrets its service declares, for its own tenant; every other probe
 * comes back empty. The instance's own secrets are the control that shows the probe can find things at all.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { loadProject } from '../../src/project/load.ts';
import { findEnvironment, listInstances } from '../../src/resolve/instances.ts';
import { resolveBundle } from '../../src/resolve/bundle.ts';
import type { SecretLocation } from '../../src/resolve/types.ts';
import { readSecretValue } from '../../src/stores/read.ts';

export interface ProbeTarget {
  label: string;
  path?: string;
  mac: string;
}

export interface Probe {
  salt: string;
  targets: ProbeTarget[];
}

export interface Expectations {
  probe: Probe;
  /** Instance id → labels of the secrets it must be able to read. */
  grants: Map<string, Set<string>>;
  /** Instance id → the variables it may have: the keys its service declares and their `*_FILE` variables. */
  declared: Map<string, Set<string>>;
  labels: string[];
}

export function secretLabel(name: string, tenant?: string): string {
  return tenant === undefined ? name : `${tenant}/${name}`;
}

function where(location: SecretLocation): string | undefined {
  if (location.kind === 'file') return location.path;
  if (location.kind === 'layer') return location.file;
  return undefined;
}

/** Reads the project as it is now (after migrate and setup) and builds the probe and what each instance should see. */
export function expectations(root: string, environmentName: string): Expectations {
  const project = loadProject({ dir: root, environment: environmentName });
  const environment = findEnvironment(project.manifest, environmentName);
  const salt = randomBytes(16).toString('hex');
  const targets = new Map<string, ProbeTarget>();
  const grants = new Map<string, Set<string>>();
  const declared = new Map<string, Set<string>>();
  for (const instance of listInstances(project.manifest)) {
    const bundle = resolveBundle(project.manifest, project.layers, environment, instance);
    grants.set(instance.id, new Set(bundle.secrets.map((s) => secretLabel(s.name, s.tenant))));
    const uses = project.manifest.services[instance.service]?.uses ?? [];
    declared.set(instance.id, new Set([...uses, ...bundle.secrets.map((s) => s.fileEnv)]));
    for (const secret of bundle.secrets) {
      const label = secretLabel(secret.name, secret.tenant);
      const value = readSecretValue(project.root, secret.location, project.layers);
      if (targets.has(label) || value === undefined) continue;
      const path = where(secret.location);
      targets.set(label, {
        label,
        ...(path ? { path } : {}),
        mac: createHmac('sha256', salt).update(value).digest('hex'),
      });
    }
  }
  const labels = [...targets.keys()].sort(
    (a, b) => Number(a.includes('/')) - Number(b.includes('/')) || a.localeCompare(b),
  );
  return { probe: { salt, targets: labels.map((l) => targets.get(l)!) }, grants, declared, labels };
}

/** What one instance said about itself (the JSON of `POST /report`, or the frontend build's REPORT line). */
export interface InstanceReport {
  name: string;
  pid: number;
  env: string[];
  secretFiles: string[];
  fileVars: Record<string, string>;
  probe: { label: string; found: string[]; attempts: { tried: string; result: string }[] }[];
}

export type Verdict = 'granted' | 'not given' | 'blocked' | 'LEAK' | 'MISSING';

export interface Cell {
  instance: string;
  secret: string;
  verdict: Verdict;
  /** Where it was found, or what the attempt to open it returned. */
  detail: string;
  /** What reading the store path directly (not something the instance was given) returned. */
  direct?: string;
}

/** One cell per instance × secret; LEAK and MISSING are failures. */
export function judge(expect: Expectations, reports: Map<string, InstanceReport>): Cell[] {
  const cells: Cell[] = [];
  for (const [instance, report] of reports) {
    const granted = expect.grants.get(instance) ?? new Set();
    const tenant = instance.includes('@') ? instance.split('@')[1] : undefined;
    for (const label of expect.labels) {
      const answer = report.probe.find((p) => p.label === label);
      const found = answer?.found ?? [];
      const attempt = answer?.attempts[0];
      let verdict: Verdict;
      let detail: string;
      if (granted.has(label)) {
        // A secret must arrive as a file, not as an environment variable (the first seed's rule).
        const inEnv = found.some((f) => f.startsWith('env '));
        verdict = inEnv ? 'LEAK' : found.some((f) => f.startsWith('file ')) ? 'granted' : 'MISSING';
        detail = found.join('; ') || 'not found in its secrets dir';
      } else if (found.length > 0) {
        verdict = 'LEAK';
        detail = found.join('; ');
      } else {
        const otherTenant = tenant !== undefined && label.includes('/') && !label.startsWith(`${tenant}/`);
        verdict = otherTenant ? 'blocked' : 'not given';
        detail = attempt ? `${attempt.tried} → ${attempt.result}` : 'not in env, not in files';
      }
      const direct = answer?.attempts[1]?.result;
      cells.push({ instance, secret: label, verdict, detail, ...(direct ? { direct } : {}) });
    }
  }
  return cells;
}

/** Variables an instance got that its service does not declare (PATH, HOME and ENVPLANE_SECRETS_DIR aside). */
export function undeclaredVariables(expect: Expectations, instance: string, report: InstanceReport): string[] {
  const declared = expect.declared.get(instance) ?? new Set();
  const plumbing = new Set(['PATH', 'HOME', 'ENVPLANE_SECRETS_DIR']);
  return report.env.filter((name) => !declared.has(name) && !plumbing.has(name));
}
