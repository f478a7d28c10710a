// listing.js: the start page's list of profiles, in pure functions (no DOM),
// unit-tested in tests/web/listing.test.mjs.

import { parseTimestamp } from './format.js';

/**
 * The profiles newest first by their `modified` time; profiles without a
 * readable time come last, and ties keep the server's order.
 */
export function newestFirst(profiles) {
  return profiles
    .map((p, i) => ({ p, i, t: parseTimestamp(p.modified) }))
    .sort((a, b) => {
      const an = Number.isNaN(a.t);
      const bn = Number.isNaN(b.t);
      if (an !== bn) return an ? 1 : -1;
      if (!an && a.t !== b.t) return b.t - a.t;
      return a.i - b.i;
    })
    .map((x) => x.p);
}

/** True when two lists hold the same profiles in the same order. */
export function sameIds(a, b) {
  return a.length === b.length && a.every((p, i) => p.id === b[i].id);
}

/**
 * Whether the page opens on the start page rather than straight on a
 * profile: always when the server takes uploads, otherwise unless it holds
 * exactly one profile.
 */
export function wantsStartPage(count, uploads) {
  return !!uploads || count !== 1;
}
