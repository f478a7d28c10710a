// urlstate.js: the view as a URL, so back/forward and copied links work.
// Everything that decides what the page shows is here: profile (opaque id),
// path (function ids from the tree root, comma-separated), view (a name from
// views/index.js), and, when not the defaults, the search text (q), depth,
// cutoff, the open function (fn), the table's sort, order and offset, the
// colour mode (colour) and single-child folding (fold); for a comparison the
// other profile (base), which tree is shown (side), the neutral band
// (threshold, percent), the comparison table's sort (csort, corder), page
// offset (coffset) and mode (cmode: absolute, or normalised to each run's
// total). Pure functions,
// unit-tested in tests/web/urlstate.test.mjs.

export const DEFAULT_VIEW = 'icicle';
/** depth null means "as many levels as fill the pane" (see chart.js). */
export const DEFAULT_DEPTH = null;
export const MAX_DEPTH = 60;
export const DEFAULT_CUTOFF = 0.001;
/** The table opens on own time, so the real hot spot is its first row. */
export const DEFAULT_SORT = 'tottime';
export const SORTS = ['ncalls', 'pcalls', 'tottime', 'tottime_percall', 'cumtime', 'cumtime_percall', 'name', 'file'];
export const TEXT_SORTS = ['name', 'file'];
export const COLOURS = ['module', 'self'];
/** Comparison (base set): its table's sort keys (GET /api/compare), neutral band in percent. */
export const COMPARE_SORTS = ['change', 'cumchange', 'tottime_change', 'cumtime_change', 'ncalls_change', 'ratio', 'cumratio', 'base_tottime', 'new_tottime', 'base_cumtime', 'new_cumtime', 'name', 'file'];
export const DEFAULT_COMPARE_SORT = 'change';
export const DEFAULT_THRESHOLD = 5;
export const DEFAULT_COLOUR = 'module';

const digits = (s) => /^\d+$/.test(s || '');

/** The order a sort key starts in: ascending for text, descending for numbers. */
export function defaultOrder(sort) {
  return TEXT_SORTS.includes(sort) ? 'asc' : 'desc';
}

/**
 * Parses a query string ("?profile=a&path=1,2") into the state
 * {profile, path, view, q, depth, cutoff, fn, sort, order, offset, colour, fold}.
 * views: the known view names (anything else becomes the default view).
 */
export function parseState(search, views = [DEFAULT_VIEW, 'sunburst']) {
  const p = new URLSearchParams(search);
  const path = (p.get('path') || '')
    .split(',')
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  const view = views.includes(p.get('view')) ? p.get('view') : DEFAULT_VIEW;
  const depth = digits(p.get('depth')) ? Math.min(MAX_DEPTH, Math.max(1, Number(p.get('depth')))) : DEFAULT_DEPTH;
  const c = Number(p.get('cutoff'));
  const cutoff = p.has('cutoff') && Number.isFinite(c) && c >= 0 && c <= 1 ? c : DEFAULT_CUTOFF;
  const fn = digits(p.get('fn')) ? Number(p.get('fn')) : null;
  const sort = SORTS.includes(p.get('sort')) ? p.get('sort') : DEFAULT_SORT;
  const order = ['asc', 'desc'].includes(p.get('order')) ? p.get('order') : defaultOrder(sort);
  const offset = digits(p.get('offset')) ? Number(p.get('offset')) : 0;
  const colour = COLOURS.includes(p.get('colour')) ? p.get('colour') : DEFAULT_COLOUR;
  const fold = p.get('fold') === '1';
  const sub = p.get('sub') === '1'; // the table lists the view root's subtree only
  // a comparison: base is the other profile; side "base" shows BASE's tree (profile is then BASE)
  const base = p.get('base') || null;
  const side = p.get('side') === 'base' ? 'base' : 'new';
  const th = Number(p.get('threshold'));
  const threshold = p.has('threshold') && Number.isFinite(th) && th >= 0 && th <= 1000 ? th : DEFAULT_THRESHOLD;
  const csort = COMPARE_SORTS.includes(p.get('csort')) ? p.get('csort') : DEFAULT_COMPARE_SORT;
  const corder = ['asc', 'desc'].includes(p.get('corder')) ? p.get('corder') : defaultOrder(csort);
  const cmode = p.get('cmode') === 'normalised' ? 'normalised' : 'absolute';
  const coffset = digits(p.get('coffset')) ? Number(p.get('coffset')) : 0;
  return { profile: p.get('profile') || null, path, view, q: p.get('q') || '', depth, cutoff, fn, sort, order, offset, colour, fold, base, side, threshold, csort, corder, cmode, coffset, sub };
}

/** Builds the query string for a state; defaults and empty parts are left out. */
export function formatState(state) {
  const p = new URLSearchParams();
  if (state.profile) p.set('profile', state.profile);
  if (state.path && state.path.length) p.set('path', state.path.join(','));
  if (state.view && state.view !== DEFAULT_VIEW) p.set('view', state.view);
  if (state.q) p.set('q', state.q);
  if (state.depth !== undefined && state.depth !== DEFAULT_DEPTH) p.set('depth', String(state.depth));
  if (state.cutoff !== undefined && state.cutoff !== DEFAULT_CUTOFF) p.set('cutoff', String(state.cutoff));
  if (state.fn !== undefined && state.fn !== null) p.set('fn', String(state.fn));
  const sort = state.sort || DEFAULT_SORT;
  if (sort !== DEFAULT_SORT) p.set('sort', sort);
  if (state.order && state.order !== defaultOrder(sort)) p.set('order', state.order);
  if (state.offset) p.set('offset', String(state.offset));
  if (state.colour && state.colour !== DEFAULT_COLOUR) p.set('colour', state.colour);
  if (state.fold) p.set('fold', '1');
  if (state.sub) p.set('sub', '1');
  if (state.base) {
    p.set('base', state.base);
    if (state.side === 'base') p.set('side', 'base');
    if (state.threshold !== undefined && state.threshold !== DEFAULT_THRESHOLD) p.set('threshold', String(state.threshold));
    const csort = state.csort || DEFAULT_COMPARE_SORT;
    if (csort !== DEFAULT_COMPARE_SORT) p.set('csort', csort);
    if (state.corder && state.corder !== defaultOrder(csort)) p.set('corder', state.corder);
    if (state.cmode === 'normalised') p.set('cmode', 'normalised');
    if (state.coffset) p.set('coffset', String(state.coffset));
  }
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
