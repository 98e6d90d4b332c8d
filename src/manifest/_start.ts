/**
 * A service's `command:`, `port:`, `ready:` and `cwd:` (what `envplane start` runs) → its normalized `StartSpec`,
 * checked where the user wrote it: unknown placeholders, `{tenant}` in a service that is not per tenant, a port
 * readiness check without a `{port}` to check, a base port whose last instance would pass 65535, a folder outside
 * the project.
 */
import type { WrittenManifest } from './schema.ts';
import type { StartSpec } from './types.ts';

type Fail = (pointerKeys: string[], message: string, hint: string) => never;
type WrittenService = WrittenManifest['services'][string];

export const START_PLACEHOLDERS = ['tenant', 'port', 'service', 'instance', 'env'] as const;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

export function normalizeStart(name: string, s: WrittenService, instances: number, fail: Fail): StartSpec | undefined {
  const at = ['services', name];
  if (s.command === undefined) {
    for (const field of ['port', 'ready', 'cwd'] as const)
      if (s[field] !== undefined)
        fail([...at, field], `\`${field}\` without a \`command\``, `add \`command: [program, args…]\` to ${name}`);
    return undefined;
  }
  const command = typeof s.command === 'string' ? s.command.split(' ').filter((w) => w !== '') : [...s.command];
  if (command.length === 0 || command[0] === '')
    fail([...at, 'command'], `the command of service "${name}" names no program`, 'write `command: [program, args…]`');
  checkPlaceholders(command, [...at, 'command'], s.perTenant, fail);
  const usesPort = command.some((arg) => arg.includes('{port}'));
  let ready: StartSpec['ready'];
  if (s.ready === undefined) ready = usesPort ? 'port' : 'none';
  else if (typeof s.ready === 'string') ready = s.ready;
  else {
    const readyCommand = [...s.ready.command];
    if (readyCommand.length === 0 || readyCommand[0] === '')
      fail([...at, 'ready', 'command'], 'the readiness command names no program', 'write `command: [program, args…]`');
    checkPlaceholders(readyCommand, [...at, 'ready', 'command'], s.perTenant, fail);
    ready = { command: readyCommand };
  }
  if (ready === 'port' && !usesPort)
    fail(
      [...at, 'ready'],
      `\`ready: port\` but the command of service "${name}" has no {port}`,
      'pass the port to the program (`--port {port}`), or use `ready: { command: [...] }` or `ready: none`',
    );
  if (s.port !== undefined) {
    if (!usesPort)
      fail([...at, 'port'], `\`port: ${s.port}\` but the command has no {port}`, 'pass it, e.g. `--port {port}`');
    if (s.port + instances - 1 > 65535)
      fail([...at, 'port'], `port ${s.port} + ${instances - 1} instances passes 65535`, 'choose a lower base port');
  }
  const cwd = s.cwd ?? '';
  if (cwd !== '') {
    const parts = cwd.split('/');
    if (cwd.startsWith('/') || parts.includes('..') || cwd.includes('\\'))
      fail(
        [...at, 'cwd'],
        `cwd "${cwd}" is not a folder inside the project`,
        'write a relative path such as `services/etl`',
      );
  }
  return { command, ...(s.port !== undefined ? { port: s.port } : {}), ready, cwd: cwd === '.' ? '' : cwd };
}

function checkPlaceholders(words: string[], at: string[], perTenant: boolean, fail: Fail): void {
  for (const [i, word] of words.entries())
    for (const [, inner] of word.matchAll(PLACEHOLDER)) {
      if (!(START_PLACEHOLDERS as readonly string[]).includes(inner ?? ''))
        fail(
          [...at, String(i)],
          `unknown placeholder "{${inner}}"`,
          `placeholders are ${START_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        );
      if (inner === 'tenant' && !perTenant)
        fail(
          [...at, String(i)],
          '"{tenant}" in the command of a service that is not per tenant',
          'add `perTenant: true`',
        );
    }
}
