/**
 * Every command, loaded lazily: `envplane env` never parses the code of `render` or `scan`. One entry per command;
 * the description here is what `envplane --help` lists without loading the command.
 */
import type { CommandDef } from 'citty';

interface Entry {
  description: string;
  // biome-ignore lint/suspicious/noExplicitAny: commands have different argument shapes
  load: () => Promise<CommandDef<any>>;
}

export const commands: Record<string, Entry> = {
  env: {
    description: 'Print what one instance receives in an environment (secrets as paths, never values)',
    load: () => import('./commands/env.ts').then((m) => m.default),
  },
  explain: {
    description: 'Explain where a key’s value comes from, layer by layer',
    load: () => import('./commands/explain.ts').then((m) => m.default),
  },
};
