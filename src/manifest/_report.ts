/** How the manifest's checks report: each problem located at its node (file:line:column) with a hint; all kept. */
import type { ErrorDetail } from '../errors.ts';
import { positionOf } from './_pointer.ts';
import type { Manifest, Position } from './types.ts';

/** One problem of a manifest, where it stands and how to fix it. */
export interface ManifestProblem extends ErrorDetail {
  location: { file: string; line: number; column: number };
  hint: string;
}

/** Reports a problem at a node, given as the keys of its JSON pointer (`['services', 'etl', 'uses', '2']`). */
export type Report = (pointerKeys: readonly string[], message: string, hint: string) => void;

/** A cross-check of the normalized manifest: a name, for tests and docs, and what it reports. */
export interface ManifestCheck {
  name: string;
  run: (manifest: Manifest, report: Report) => void;
}

export function reporter(
  file: string,
  positions: Record<string, Position>,
): { report: Report; problems: ManifestProblem[] } {
  const problems: ManifestProblem[] = [];
  const report: Report = (pointerKeys, message, hint) => {
    const at = positionOf(positions, pointerKeys);
    problems.push({ message, location: { file, line: at.line, column: at.column }, hint });
  };
  return { report, problems };
}

/** `file:line:column` of a node, for a message that names a second place (the other half of a collision). */
export function placeOf(file: string, positions: Record<string, Position>, pointerKeys: readonly string[]): string {
  const at = positionOf(positions, pointerKeys);
  return `${file}:${at.line}:${at.column}`;
}
