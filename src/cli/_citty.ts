/**
 * `--help`, from citty's usage renderer: loaded lazily, so that ordinary starts do not pay for it. citty colours its
 * text whatever stdout is; the colour is kept only where envplane's own output would have it.
 */
import { stripVTControlCharacters } from 'node:util';
import { type CommandDef, renderUsage } from 'citty';
import { colourOn } from './_style.ts';

export async function usageText(command: CommandDef): Promise<string> {
  const text = await renderUsage(command);
  return colourOn(1) ? text : stripVTControlCharacters(text);
}
