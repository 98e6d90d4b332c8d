/**
 * The verdict of `verify --live` for one instance, from what its probe reported: names it saw that the manifest does
 * not give it, and values (as SHA-256 digests) that belong to a secret it does not declare or to another tenant.
 * Pure: the command runs the probes and reads the store; this only compares.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Bundle } from '../resolve/types.ts';

/** Names `envplane run --pristine` adds besides the bundle. */
export const RUN_BASELINE = new Set(['PATH', 'HOME', 'ENVPLANE_SECRETS_DIR']);

/** What the probe prints: digests (hex) by variable name and by secret file name, and the paths it could open. */
export interface ProbeReport {
  env: Record<string, string>;
  files: Record<string, string>;
  reachable: string[];
}

export interface InstanceView {
  instance: string;
  ok: boolean;
  /** Why the probe could not run (missing secrets, …). */
  error?: string;
  env: string[];
  files: string[];
  undeclared: string[];
  /** Values this instance holds that belong to a secret it does not declare, or to another tenant. */
  foreign: { seenAs: string; secret: string; owner: string }[];
  /** Other instances' store files the probe could read on this host (not a failure: see docs/commands/verify.md). */
  hostReadable: string[];
}

/** A secret value of some instance in the environment, as a digest. */
export interface Owned {
  secret: string;
  owner: string;
  tenant?: string;
  digest: Buffer;
}

/** One instance's verdict; `report` is the probe's report, or why it could not run. */
export function judge(bundle: Bundle, report: ProbeReport | string, owned: Owned[]): InstanceView {
  const view: InstanceView = {
    instance: bundle.instance.id,
    ok: false,
    env: [],
    files: [],
    undeclared: [],
    foreign: [],
    hostReadable: [],
  };
  if (typeof report === 'string') return { ...view, error: report };
  const declaredEnv = new Set([
    ...RUN_BASELINE,
    ...bundle.config.map((c) => c.key),
    ...bundle.secrets.map((s) => s.fileEnv),
  ]);
  const declaredFiles = new Set(bundle.secrets.map((s) => s.name));
  view.env = Object.keys(report.env).sort();
  view.files = Object.keys(report.files).sort();
  view.undeclared = [
    ...view.env.filter((n) => !declaredEnv.has(n)),
    ...view.files.filter((n) => !declaredFiles.has(n)).map((n) => `file ${n}`),
  ];
  // A value is foreign when it equals another tenant's per-tenant secret, or a secret this instance does not declare,
  // even where it sits in one of this instance's own slots (a token copied into the wrong file is still a leak).
  const me = bundle.instance;
  const declared = new Set(bundle.secrets.map((s) => s.name));
  const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
  const notMine = owned.filter(
    (o) => o.owner !== me.id && ((o.tenant !== undefined && o.tenant !== me.tenant) || !declared.has(o.secret)),
  );
  const seen = [
    ...Object.entries(report.env).map(([n, d]) => [`env ${n}`, d] as const),
    ...Object.entries(report.files).map(([n, d]) => [`file ${n}`, d] as const),
  ];
  for (const [seenAs, hex] of seen) {
    const d = Buffer.from(hex, 'hex');
    const other = notMine.find((o) => same(o.digest, d));
    if (other) view.foreign.push({ seenAs, secret: other.secret, owner: other.owner });
  }
  view.hostReadable = report.reachable;
  view.ok = view.undeclared.length === 0 && view.foreign.length === 0;
  return view;
}
