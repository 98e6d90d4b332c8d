/**
 * Every name rule envplane has, in one place. A manifest name ends up in file paths, YAML keys, shell lines and
 * Kubernetes objects, so each kind is restricted to what all of them accept; the manifest normalizer, `init`,
 * `migrate` and `init --from-existing` ask this module and nothing else. Pure, no imports (the hot path loads it).
 */

export type NameKind = 'project' | 'environment' | 'tenant' | 'service' | 'config-key' | 'secret-key' | 'variable';

interface NameRule {
  /** The whole rule, as a test. */
  test: (name: string) => boolean;
  /** What a valid name looks like, for hints. */
  rule: string;
  /** Where the name ends up, for messages: why the rule is what it is. */
  becomes: string;
}

/** Environment-variable names every consumer accepts (Compose, Kubernetes env, ECS, POSIX shells). */
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Secret names become file names and Swarm/Kubernetes keys: no separators, no leading dot, no `..`. */
const SECRET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** In image names (`{project}/{service}`), Compose project and Swarm stack names. */
const PROJECT = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** Compose service names and Kubernetes object names (DNS labels): at most 63. */
const INSTANCE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** File names (`compose.<env>.yml`), YAML keys, Kubernetes label values: `prod_eu` stays valid. */
const ENVIRONMENT = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export const NAME_RULES: Readonly<Record<NameKind, NameRule>> = {
  project: {
    test: (n) => PROJECT.test(n),
    rule: 'lower-case letters, digits, `-`, `_` and `.` (at most 63), starting with a letter or digit',
    becomes: 'image, Compose project and stack names',
  },
  environment: {
    test: (n) => ENVIRONMENT.test(n),
    rule: 'a letter, then letters, digits, `-` or `_` (at most 63)',
    becomes: 'file names, YAML keys, Kubernetes labels and command lines',
  },
  tenant: {
    test: (n) => INSTANCE.test(n),
    rule: 'lower-case letters, digits and `-` (at most 63), starting and ending with a letter or digit',
    becomes: 'Compose service, Kubernetes object and file names',
  },
  service: {
    test: (n) => INSTANCE.test(n),
    rule: 'lower-case letters, digits and `-` (at most 63), starting and ending with a letter or digit',
    becomes: 'Compose service and Kubernetes object names',
  },
  'config-key': {
    test: (n) => VARIABLE.test(n),
    rule: 'letters, digits and `_`, not starting with a digit (an environment variable name)',
    becomes: 'environment variable names',
  },
  'secret-key': {
    test: (n) => SECRET.test(n) && !n.includes('..'),
    rule: 'letters, digits, `_`, `.` and `-` (at most 63), starting with a letter or digit, without `..`',
    becomes: 'file names, Swarm secret names and Kubernetes keys',
  },
  variable: {
    test: (n) => VARIABLE.test(n),
    rule: 'letters, digits and `_`, not starting with a digit',
    becomes: 'environment variable names',
  },
};

export function isValidName(kind: NameKind, name: string): boolean {
  return NAME_RULES[kind].test(name);
}

/** The key-name rule for a plane: secrets and build secrets are file-safe names, the rest variable names. */
export function keyNameKind(plane: string): NameKind {
  return plane === 'secret' || plane === 'build' ? 'secret-key' : 'config-key';
}

/**
 * `db.pass` → `DB_PASS`: a key name as a variable name (a secret delivered with `--secrets=env`, a BuildKit
 * secret's `env=` in CI). Two names can give one variable (`db.pass`, `db_pass`): normalization refuses that.
 */
export function variableOf(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** `db.pass` → `DB_PASS_FILE`: the variable that points at a secret's file unless `fileEnv:` says otherwise. */
export function defaultFileEnv(name: string): string {
  return `${variableOf(name)}_FILE`;
}

/** ECS's variable for a secret: its fileEnv without `_FILE` (`DB_PASS_FILE` → `DB_PASS`), else the name's. */
export function injectedVariable(fileEnv: string, name: string): string {
  return fileEnv.endsWith('_FILE') && fileEnv.length > 5 ? fileEnv.slice(0, -5) : variableOf(name);
}

/**
 * A store pattern filled for one secret: `{name}`, `{tenant}` (empty for a shared secret) and `{prefix}`. The
 * manifest checked the pattern and the names, so the result is a relative path inside the store, or a valid name.
 */
export function fillStorePattern(pattern: string, name: string, tenant: string | undefined, prefix: string): string {
  return pattern
    .replaceAll('{name}', name)
    .replaceAll('{tenant}', tenant ?? '')
    .replaceAll('{prefix}', prefix);
}

/** Swarm secret names (an external store's names): at most 64, letters, digits, `-_.`, alphanumeric at both ends. */
export const SWARM_NAME_LIMIT = 64;
const SWARM_NAME = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

export function isSwarmSecretName(name: string): boolean {
  return name.length <= SWARM_NAME_LIMIT && SWARM_NAME.test(name);
}

/**
 * What is wrong with a path template (a layer `config/{env}.env`, a store `dir`, a files-store pattern), or
 * undefined. A template that passes cannot resolve outside the project once its placeholders are filled with valid
 * names: it is relative, no segment is `.`-only, and every placeholder is replaced by a name that holds no `/`, no
 * `\` and does not start with a dot, so no filled segment can become `..`.
 */
export function pathTemplateProblem(
  template: string,
  placeholders: readonly string[],
): { message: string; hint: string } | undefined {
  if (template === '' || /[\u0000-\u001f\u007f]/.test(template))
    return {
      message: `path ${JSON.stringify(template)} is empty or holds a control character`,
      hint: 'write a plain relative path',
    };
  const parts = template.split(/[\\/]/);
  if (template.startsWith('/') || template.startsWith('\\') || /^[A-Za-z]:/.test(template) || parts.includes('..'))
    return {
      message: `path "${template}" leaves the project directory`,
      hint: 'use a path relative to the folder of envplane.yaml, without `..`',
    };
  for (const p of template.match(/\{[^}]*\}|[{}]/g) ?? [])
    if (!placeholders.includes(p))
      return {
        message: `unknown placeholder ${p} in "${template}"`,
        hint:
          placeholders.length > 0
            ? `this path may use ${placeholders.join(' and ')}`
            : 'this path takes no placeholders',
      };
  return undefined;
}
