/**
 * The seed's "hardcode secrets in Dockerfiles" DON'T: an ENV or ARG named like a secret or holding a known secret
 * value (by digest). Both end up in the image's history, readable by anyone who can pull it.
 */
import { timingSafeEqual } from 'node:crypto';
import { looksLikeSecretName } from './_common.ts';
import type { Finding, Rule } from './types.ts';

export const dockerfileSecret: Rule<'dockerfile-secret'> = {
  id: 'dockerfile-secret',
  severity: 'error',
  title: 'Secret hard-coded in a Dockerfile',
  why: 'ENV and ARG values are stored in the image history (`docker history`) and visible to everyone who pulls it.',
  hint: 'use a BuildKit secret: `RUN --mount=type=secret,id=<name> …` and `docker build --secret id=<name>,src=…`',
  run({ dockerfiles, secrets, manifest }) {
    const known = Object.values(secrets).flatMap((s) => (s.digest ? [Buffer.from(s.digest, 'hex')] : []));
    const isKnown = (digest: string) => {
      const d = Buffer.from(digest, 'hex');
      return known.some((k) => k.length === d.length && timingSafeEqual(k, d));
    };
    const found: Finding[] = [];
    for (const file of dockerfiles)
      for (const v of file.variables) {
        const declared = manifest.keys[v.name];
        const byName = looksLikeSecretName(v.name) || declared?.plane === 'secret' || declared?.plane === 'build';
        const byValue = v.digest !== undefined && (isKnown(v.digest) || v.looksSecret);
        if (!byName && !byValue) continue;
        found.push({
          message: byValue
            ? `${v.kind} ${v.name} in ${file.path} holds a secret value`
            : `${v.kind} ${v.name} in ${file.path} is named like a secret; its value is baked into the image`,
          location: { file: file.path, line: v.line },
          key: v.name,
        });
      }
    return found;
  },
};
