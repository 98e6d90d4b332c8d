/**
 * Which build of envplane is running: a digest of every input of `npm run build` (sources, lockfile, build script),
 * set by the build. Caches key their entries on it, so a rebuilt or upgraded envplane never reads an older build's
 * entries. Undefined when running from source (tsx), where nothing is cached.
 */
declare const __ENVPLANE_BUILD__: string | undefined;

export const BUILD: string | undefined = typeof __ENVPLANE_BUILD__ === 'string' ? __ENVPLANE_BUILD__ : undefined;
