/**
 * citty's usage renderer, for `--help` only: loaded lazily, so that ordinary starts do not pay for it.
 */
export { renderUsage } from 'citty';
