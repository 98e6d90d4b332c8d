import { defineCommand } from 'citty';
import { EnvplaneError } from '../../errors.ts';
import { explainKey, type Explanation } from '../../resolve/explain.ts';
import { dirArg, envArg, instanceArgs, jsonArg } from '../_args.ts';
import { requiredArgument } from '../_instance.ts';
import { loadInstanceCached } from '../_context-cached.ts';
import { writeStdout } from '../_output.ts';
import { style } from '../_style.ts';
import { unknownHint } from '../../manifest/_suggest.ts';

export default defineCommand({
  meta: { name: 'explain', description: 'Explain where a key’s value comes from, layer by layer' },
  args: {
    key: { type: 'positional', description: 'The key to explain', required: false },
    ...envArg,
    ...instanceArgs,
    reveal: {
      type: 'boolean',
      description:
        'Show the values a key the manifest does not declare has in the layers (hidden by default: it may be a secret)',
    },
    ...jsonArg,
    ...dirArg,
  },
  async run({ args }) {
    const keyName = requiredArgument(args.key, 'KEY', 'usage: envplane explain <KEY> --env <env> --service <service>');
    const { project, environment, instance } = await loadInstanceCached(args, 'environment');
    const known = Object.keys(project.manifest.keys);
    const inLayers = Object.values(project.layers).some((entries) => entries?.some((e) => e.key === keyName));
    if (!project.manifest.keys[keyName] && !inLayers)
      throw new EnvplaneError('usage', `unknown key "${keyName}"`, { hint: unknownHint(keyName, known, 'keys') });
    const explanation = explainKey(project.manifest, project.layers, environment, instance, keyName, {
      revealUndeclared: args.reveal === true,
    });
    writeStdout(args.json ? `${JSON.stringify(explanation, null, 2)}\n` : explainText(explanation));
  },
});

function explainText(x: Explanation): string {
  const head = `${style.bold(x.key)} for ${style.bold(x.instance.id)} in ${style.bold(x.environment)}`;
  const lines = [head, `${style.dim('layers, lowest precedence first:')} ${x.layers.join(' → ') || '(none)'}`, ''];
  for (const s of x.settings) {
    const value =
      s.value !== undefined
        ? JSON.stringify(s.value)
        : x.plane === undefined
          ? style.dim('undeclared, value hidden (--reveal shows it)')
          : '******';
    const shell = s.shell ? style.yellow(`  (from your shell: ${s.shell.map((n) => `$${n}`).join(', ')})`) : '';
    lines.push(`  ${s.wins ? style.green('wins ') : style.dim('lost ')} ${s.file}:${s.line}  ${value}${shell}`);
  }
  if (x.settings.length === 0) lines.push(style.dim('  no layer of this instance sets it'));
  lines.push('');
  lines.push(verdict(x));
  if (x.elsewhere.length > 0)
    lines.push(
      style.dim(
        `also set in files this instance does not read: ${x.elsewhere.map((e) => `${e.file}:${e.line}`).join(', ')}`,
      ),
    );
  return `${lines.join('\n')}\n`;
}

function verdict(x: Explanation): string {
  switch (x.outcome) {
    case 'not-declared':
      return `${style.yellow('not delivered')}: service "${x.instance.service}" does not declare ${x.key}${x.plane ? '' : ' (and the manifest does not know it)'}, so it never receives it, whatever the layers say. Add it to \`services.${x.instance.service}.uses\` if it needs it.`;
    case 'layer': {
      const s = x.settings[x.settings.length - 1]!;
      const shell = s.shell
        ? ` The value takes ${s.shell.map((n) => `$${n}`).join(', ')} from your shell (the caller's environment wins over the layers when Compose interpolates), so it differs from one shell to the next.`
        : '';
      return (
        (x.settings.length > 1
          ? `${s.file}:${s.line} wins: it is the last of ${x.settings.length} assignments (later layers, and later lines, override earlier ones).`
          : `${s.file}:${s.line} sets it; nothing overrides it.`) + shell
      );
    }
    case 'default':
      return 'no layer sets it, so the default from the manifest applies.';
    case 'unset':
      return `${style.red('unset')}: no layer sets it and there is no default. Set it in one of the layers above.`;
    case 'secret-store':
      return `a secret: read from ${x.secret?.location.kind === 'file' ? x.secret.location.path : x.secret?.location.kind === 'external' ? `external secret ${x.secret.location.name}` : x.secret?.location.kind === 'store' ? x.secret.location.ref : '?'} and delivered at ${x.secret?.target} (${x.secret?.fileEnv}).`;
    case 'secret-in-layer':
      return `${style.yellow('a secret kept in a config file')}: the value comes from the winning line above and is delivered at ${x.secret?.target}. Move it to the secret store (\`envplane migrate\`).`;
    case 'build-secret':
      return 'a build secret: it exists only while the image builds (BuildKit --mount=type=secret), never at run time.';
  }
}
