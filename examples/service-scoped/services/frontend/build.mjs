#!/usr/bin/env node
/**
 * The frontend's build step, like Vite's: every `VITE_*` variable in the environment is inlined into the bundle
 * (`dist/bundle.js` under the current folder, or the folder given as the first argument). That is only safe because
 * `envplane run --service frontend` gives the frontend nothing but its public keys.
 *
 * Reads an optional probe (see ../_shared/report.mjs) on stdin and prints `REPORT {json}` after the build.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { report } from '../_shared/report.mjs';

const out = resolve(process.argv[2] ?? 'dist');
const publicEnv = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => name.startsWith('VITE_'))
    .sort()
    .map((name) => [name, process.env[name]]),
);
const bundle = `// Built by services/frontend/build.mjs — public configuration only.
const env = Object.freeze(${JSON.stringify(publicEnv, null, 2)});
export function apiUrl(path) {
  return new URL(path, env.VITE_API_BASE_URL).toString();
}
export function title() {
  return env.VITE_APP_TITLE;
}
export default env;
`;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'bundle.js'), bundle);
process.stdout.write(`built ${join(out, 'bundle.js')} with ${Object.keys(publicEnv).join(', ') || 'no keys'}\n`);

let probe = {};
if (!process.stdin.isTTY) {
  const text = readFileSync(0, 'utf8').trim();
  if (text !== '') probe = JSON.parse(text);
}
process.stdout.write(
  `REPORT ${JSON.stringify({ name: 'frontend', bundle: join(out, 'bundle.js'), ...report(probe) })}\n`,
);
