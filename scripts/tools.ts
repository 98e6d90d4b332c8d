/**
 * Every outside tool the tests run, in one table: what to look for, the Debian package that provides it, and which
 * test files need it. scripts/test.mjs runs the preflight (scripts/preflight.ts) over this table before the tests:
 * a missing tool is listed with the one `apt-get` line that installs them all, and as root under CI=true it is
 * installed right there, so .ci/run and the README share one path. A test that needs a new tool adds one row here.
 */

export interface Tool {
  /** What the tests call it, for the report. */
  name: string;
  /** Present when any of these is an executable: a bare name is looked up on PATH, a path is taken as is, and a
   * path segment `*` stands for any folder (a PostgreSQL version). */
  anyOf?: string[];
  /** Present when this command exits 0 (e.g. a Python module import). Checked after `anyOf`. */
  probe?: string[];
  /** The Debian package that provides it; without one, `manual` says how to get it and CI cannot install it. */
  debian?: string;
  manual?: string;
  /** Why the tests need it. */
  why: string;
  /** Test files (path substrings under test/) that need it: a narrowed run checks only the tools it needs. */
  usedBy: string[];
}

export const TOOLS: Tool[] = [
  {
    name: 'docker-compose',
    anyOf: ['/usr/bin/docker-compose'],
    debian: 'docker-compose',
    why: 'validates every rendered Compose file (`config` needs no engine)',
    usedBy: ['targets/', 'export/', 'init/'],
  },
  {
    name: 'PyYAML for python3',
    anyOf: ['python3'],
    probe: ['python3', '-c', 'import yaml'],
    debian: 'python3-yaml',
    why: "reads docker-compose's output with the YAML library Compose v1 runs on",
    usedBy: ['targets/'],
  },
  { name: 'git', anyOf: ['git'], debian: 'git', why: 'git facts, scan --history, hooks', usedBy: [''] },
  {
    name: 'kubectl',
    anyOf: ['/usr/bin/kubectl'],
    debian: 'kubernetes-client',
    why: 'kubectl create secret --dry-run=client is the reference for rendered Secrets',
    usedBy: ['targets/k8s'],
  },
  {
    name: 'script',
    anyOf: ['script'],
    debian: 'bsdutils',
    why: "a real terminal for migrate's prompt test",
    usedBy: ['migrate/', 'targets/k8s'],
  },
  {
    name: 'setpriv',
    anyOf: ['setpriv'],
    debian: 'util-linux',
    why: 'runs the CLI as `nobody` for the read-only folder test',
    usedBy: ['reliability/disk-full'],
  },
  {
    name: 'mount',
    anyOf: ['mount'],
    debian: 'mount',
    why: 'a small tmpfs to fill for the disk-full test (needs root)',
    usedBy: ['reliability/disk-full'],
  },
  { name: 'mkfifo', anyOf: ['mkfifo'], debian: 'coreutils', why: 'named pipes as hostile inputs', usedBy: [''] },
  {
    name: 'age and age-keygen',
    anyOf: ['age'],
    probe: ['age-keygen', '--version'],
    debian: 'age',
    why: 'the age store is checked against the real age CLI, both ways',
    usedBy: ['age/'],
  },
  {
    name: 'PostgreSQL (initdb, postgres)',
    anyOf: ['initdb', '/usr/lib/postgresql/*/bin/initdb', '/usr/local/bin/initdb'],
    debian: 'postgresql',
    why: "the demo's migration step runs against a real server",
    usedBy: ['demo/'],
  },
  {
    name: 'hvac for /usr/bin/python3',
    anyOf: ['/usr/bin/python3'],
    probe: ['/usr/bin/python3', '-c', 'import hvac'],
    debian: 'python3-hvac',
    why: "the Vault store's second client",
    usedBy: ['stores/vault'],
  },
  {
    name: 'moto_server (with boto3)',
    anyOf: ['moto_server'],
    probe: ['python3', '-c', 'import moto, boto3'],
    manual: "pip install 'moto[server]>=5.2' boto3 (no Debian package)",
    why: 'a local AWS Secrets Manager for the AWS store tests',
    usedBy: ['stores/aws', 'stores/remote-run'],
  },
];
