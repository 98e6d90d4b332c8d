/**
 * `--help`, from citty's usage renderer: loaded lazily, so that ordinary starts do not pay for it. citty colours its
 * text whatever stdout is; the colour is kept only where envplane's own output would have it.
 */
import { stripVTControlCharacters } from 'node:util';
import { type CommandDef, renderUsage } from 'citty';
import { colourOn } from './_style.ts';

/**
 * The command's help, its USAGE line naming `envplane <command>` and ending with `tail` when the command takes more
 * than options (`run`: `-- <command> [args…]`), which citty's renderer has no place for.
 */
export async function usageText(command: CommandDef, tail?: string): Promise<string> {
  let text = await renderUsage(command, { meta: { name: 'envplane' } });
  if (tail)
    text = text
      .split('\n')
      .map((line) =>
        stripVTControlCharacters(line).startsWith('USAGE ')
          ? line.replace(/\s*((?:\x1b\[\d+m)*)$/, ` ${tail}$1`)
          : line,
      )
      .join('\n');
  return colourOn(1) ? text : stripVTControlCharacters(text);
}
