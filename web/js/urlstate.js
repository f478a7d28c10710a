// urlstate.js: the view as a URL, so back/forward and copied links work.
// The query string holds profile (opaque id), path (function ids from the
// tree root, comma-separated), view ("icicle" or "sunburst") and, when not
// the defaults, the search text, depth, cutoff and the function open in the
// details panel (fn). Pure functions, unit-tested in tests/web/urlstate.test.mjs.

export const VIEWS = ['icicle', 'sunburst'];
export const DEFAULT_DEPTH = 12;
export const DEFAULT_CUTOFF = 0.001;

/** Parses a query string ("?profile=a&path=1,2") into {profile, path, view, q, depth, cutoff, fn}. */
export function parseState(search) {
  const p = new URLSearchParams(search);
  const path = (p.get('path') || '')
    .split(',')
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  const view = VIEWS.includes(p.get('view')) ? p.get('view') : 'icicle';
  const depth = /^\d+$/.test(p.get('depth') || '') ? Math.min(60, Math.max(1, Number(p.get('depth')))) : DEFAULT_DEPTH;
  const c = Number(p.get('cutoff'));
  const cutoff = p.has('cutoff') && Number.isFinite(c) && c >= 0 && c <= 1 ? c : DEFAULT_CUTOFF;
  const fn = /^\d+$/.test(p.get('fn') || '') ? Number(p.get('fn')) : null;
  return { profile: p.get('profile') || null, path, view, q: p.get('q') || '', depth, cutoff, fn };
}

/** Builds the query string for a state; the default view and empty parts are left out. */
export function formatState(state) {
  const p = new URLSearchParams();
  if (state.profile) p.set('profile', state.profile);
  if (state.path && state.path.length) p.set('path', state.path.join(','));
  if (state.view && state.view !== 'icicle') p.set('view', state.view);
  if (state.q) p.set('q', state.q);
  if (state.depth !== undefined && state.depth !== DEFAULT_DEPTH) p.set('depth', String(state.depth));
  if (state.cutoff !== undefined && state.cutoff !== DEFAULT_CUTOFF) p.set('cutoff', String(state.cutoff));
  if (state.fn !== undefined && state.fn !== null) p.set('fn', String(state.fn));
  const s = p.toString().replace(/%2C/g, ',');
  return s ? '?' + s : '';
}

/** True when two states show the same thing. */
export function sameState(a, b) {
  return formatState(a) === formatState(b);
}

/**
 * The link to give a teammate for the page at href: the same URL without a
 * token parameter (a token opened once is kept in a cookie; it never belongs
 * in a shared link).
 */
export function shareableUrl(href) {
  const u = new URL(href);
  const p = new URLSearchParams(u.search);
  if (!p.has('token')) return u.href;
  p.delete('token');
  const s = p.toString().replace(/%2C/g, ',');
  u.search = s ? '?' + s : '';
  return u.href;
}
