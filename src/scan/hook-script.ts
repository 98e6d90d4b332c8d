/**
 * The git pre-commit hook `envplane hooks install` writes. Hooks are per clone (git never shares them), so the hook
 * may name this machine's paths; it still prefers the project's own envplane (node_modules/.bin, the version the
 * project pins) and falls back to the CLI that installed it, then to `envplane` on PATH. With no envplane at all it
 * blocks the commit and says how to proceed: a silently skipped check would look like a passed one.
 */
import { shellQuote } from '../shell.ts';

/** The line that marks a hook as ours: never overwritten or removed without it. */
export const HOOK_MARK = '# envplane-hook: pre-commit v1';

/** Where `--force` moves a foreign hook; ours runs it first and stops when it fails. */
export const CHAINED_SUFFIX = '.before-envplane';

export interface HookPlan {
  /** Project folder relative to the repository top ('' when they are the same). */
  projectFromTop: string;
  /** Absolute path of the CLI that installs the hook (dist/cli.cjs). */
  cliPath: string;
  /** Absolute path of the node running it, for shells whose PATH has no node (GUI git clients). */
  nodePath: string;
}

export function hookScript(plan: HookPlan): string {
  const project = plan.projectFromTop === '' ? '"$top"' : `"$top"/${shellQuote(plan.projectFromTop)}`;
  return `#!/bin/sh
${HOOK_MARK}
# Blocks a commit that stages a known secret value (envplane scan --staged).
# Installed by \`envplane hooks install\`; removed by \`envplane hooks uninstall\`.
# To commit once without the check: git commit --no-verify
top=$(git rev-parse --show-toplevel) || exit 1
project=${project}
chained="$(dirname "$0")/pre-commit${CHAINED_SUFFIX}"
if [ -x "$chained" ]; then
  "$chained" "$@" || exit $?
fi
for bin in "$project/node_modules/.bin/envplane" "$top/node_modules/.bin/envplane"; do
  if [ -x "$bin" ]; then exec "$bin" scan --staged --dir "$project"; fi
done
cli=${shellQuote(plan.cliPath)}
if [ -f "$cli" ]; then
  node=$(command -v node || echo ${shellQuote(plan.nodePath)})
  exec "$node" "$cli" scan --staged --dir "$project"
fi
if command -v envplane >/dev/null 2>&1; then exec envplane scan --staged --dir "$project"; fi
echo "envplane pre-commit hook: envplane is not installed, so staged files cannot be checked for secrets" >&2
echo "  hint: npm install --save-dev envplane, or remove the hook with envplane hooks uninstall" >&2
exit 1
`;
}

export function isEnvplaneHook(text: string): boolean {
  return text.split('\n', 3).includes(HOOK_MARK);
}
