// boot.js: the start data, and the first requests, started before the rest
// of the UI has run. app.js's first import, so that it and its two imports
// (plan.js, for the viewport's size without a layout, and treeform.js, for
// the page's tree in its compact form) are the first modules
// of the page's one script (js/bundle.js, the modules joined:
// server/bundle.h) and run before any other.
//
// The server puts what /api/health and /api/profiles would say into the
// page's data block (#profviz-boot, server/page.h), so no round trip comes
// before the data, and, for a URL that names at most the profile, the start
// tree: asked deeper than most panes show, it serves this pane when it holds
// the levels that fit (startTree), and the first picture needs no request at
// all. Otherwise, when the page will show a profile (named in the URL, or
// the only one of a server without uploads) this asks at once for its tree
// (its path, depth and cutoff from the URL; the depth that fills the pane when
// none is given) and for its first table page (search and offset from the
// URL), as app.js would. The icicle only, unfolded, not a comparison; the
// table in its default sort, not limited to a subtree: any other URL is
// app.js's to load. The URL rules and figures below are urlstate.js's and
// plan.js's, kept here (from when this file had to import nothing);
// tests/web/boot.test.mjs checks that they agree.
//
// app.js imports `boot`, so this has always run before app.js does, and it
// hands the responses to api.js (jsonOf), or the page's tree as it is, and
// the promises to the store.

import { viewportSize } from './plan.js';
import { expandTree, COMPACT_STRIDE } from './treeform.js';

export const START_CUTOFF = 0.001; // urlstate.js DEFAULT_CUTOFF
export const START_SORT = 'tottime'; // urlstate.js DEFAULT_SORT, descending
export const PAGE_SIZE = 100; // components/table.js PAGE_SIZE

/** plan.js: icicleDepth(chartHeight(paneHeight(innerHeight, saved))). */
export function startDepth(innerHeight, saved) {
  const table = Math.min(260, Math.max(160, Math.round(innerHeight * 0.32)));
  const max = innerHeight - 82 - 6 - 120;
  const def = innerHeight - 82 - 6 - table;
  const pane = Math.max(120, Math.round(saved > 0 ? Math.min(saved, max) : def));
  return Math.max(1, Math.floor((pane - 24 - 4) / 20) - 1);
}

/**
 * What a query string asks of the first requests, read as urlstate.js
 * parseState reads it: {tree: {path, depth (null: fill the pane), cutoff} or
 * null, page: {q, offset} or null} (null: not the plain start, app.js loads it).
 */
export function startState(search) {
  const p = new URLSearchParams(search);
  const digits = (s) => /^\d+$/.test(s || '');
  let tree = null;
  if ((!p.has('view') || p.get('view') === 'icicle') && p.get('fold') !== '1' && !p.get('base')) {
    const path = (p.get('path') || '').split(',').filter((x) => /^\d+$/.test(x)).map(Number);
    const depth = digits(p.get('depth')) ? Math.min(60, Math.max(1, Number(p.get('depth')))) : null;
    const c = Number(p.get('cutoff'));
    const cutoff = p.has('cutoff') && Number.isFinite(c) && c >= 0 && c <= 1 ? c : START_CUTOFF;
    tree = { path, depth, cutoff };
  }
  const page = !p.has('sort') && !p.has('order') && p.get('sub') !== '1' ? { q: p.get('q') || '', offset: digits(p.get('offset')) ? Number(p.get('offset')) : 0 } : null;
  return { tree, page };
}

/** The requests for a start state, as api.js getTree and getFunctions write them: {tree, page} of {opts, url}, or null. */
export function startRequests(profile, state, fillDepth) {
  const id = encodeURIComponent(profile);
  let tree = null;
  if (state.tree) {
    const t = state.tree;
    const opts = { path: t.path, depth: t.depth === null ? Math.min(60, fillDepth) : t.depth, cutoff: t.cutoff }; // urlstate.js MAX_DEPTH
    const q = new URLSearchParams({ path: t.path.join(','), depth: String(opts.depth), cutoff: String(t.cutoff), form: 'compact' });
    tree = { opts, url: `/api/profiles/${id}/tree?${q.toString().replace(/%2C/g, ',')}` };
  }
  let page = null;
  if (state.page) {
    const opts = { sort: START_SORT, order: 'desc', q: state.page.q, offset: state.page.offset, limit: PAGE_SIZE };
    const q = new URLSearchParams({ sort: START_SORT, order: 'desc' });
    if (opts.q) q.set('q', opts.q);
    q.set('offset', String(opts.offset));
    q.set('limit', String(PAGE_SIZE));
    page = { opts, url: `/api/profiles/${id}/functions?${q}` };
  }
  return { tree, page };
}

/** Nodes in a tree's JSON, counted up to limit. */
function countNodes(root, limit) {
  let n = 0;
  const stack = [root];
  while (stack.length && n < limit) {
    const node = stack.pop();
    n++;
    if (Array.isArray(node.children)) for (const c of node.children) stack.push(c);
  }
  return n;
}

/**
 * The embedded start tree (server/page.h) when it serves the tree request
 * req ({opts: {path, depth, cutoff}}) of profile: the same profile, path and
 * cutoff, at least as deep, and complete (fewer nodes than its max_nodes, so
 * no budget left out a node a shallower request would hold). Returns its
 * body (the API's tree JSON) in the nested form (the page holds the compact
 * one: treeform.js), or null.
 */
export function startTree(embedded, profile, req) {
  const t = embedded;
  if (!t || typeof t !== 'object' || !t.body || !req) return null;
  const body = t.body;
  const compact = body.form === 'compact';
  if (compact ? !Array.isArray(body.nodes) || body.nodes.length === 0 : !body.root) return null;
  const o = req.opts;
  if (t.profile !== profile || o.path.length !== 0 || !Array.isArray(t.path) || t.path.length !== 0) return null;
  if (t.cutoff !== o.cutoff || !(o.depth <= t.depth)) return null;
  const count = compact ? Math.floor(body.nodes.length / COMPACT_STRIDE) : countNodes(body.root, t.max_nodes);
  return count < t.max_nodes ? expandTree(body) : null;
}

/** The page's start data {health, profiles, tree} (profiles and tree may be null), or null. */
function embedded() {
  const block = document.getElementById('profviz-boot');
  if (!block) return null;
  try {
    const data = JSON.parse(block.textContent);
    return data && typeof data === 'object' && data.health ? data : null;
  } catch {
    return null;
  }
}

function savedHeight() {
  try {
    return Number(localStorage.getItem('profviz.chartHeight')) || NaN; // plan.js SPLIT_KEY
  } catch {
    return NaN;
  }
}

/**
 * data: the start data or null; tree and page: {profile, opts, response}
 * (a fetch promise) or null; a tree from the page has json (the tree) in
 * place of response.
 */
export const boot = { data: null, tree: null, page: null };

function start() {
  const data = embedded();
  boot.data = data;
  const params = new URLSearchParams(location.search);
  let profile = params.get('profile');
  if (!profile && !params.has('profile') && data && Array.isArray(data.profiles)) {
    // the only profile of a server without uploads opens at once (listing.js wantsStartPage)
    if (data.profiles.length === 1 && data.health.uploads !== true) profile = data.profiles[0].id;
  }
  if (!profile) return;
  const req = startRequests(profile, startState(location.search), startDepth(viewportSize().height, savedHeight()));
  const get = (r) => {
    const response = fetch(r.url, { headers: { Accept: 'application/json' } });
    response.catch(() => {}); // app.js reports failures
    return { profile, opts: r.opts, response };
  };
  const json = startTree(data && data.tree, profile, req.tree);
  if (json) boot.tree = { profile, opts: req.tree.opts, json };
  else if (req.tree) boot.tree = get(req.tree);
  if (req.page) boot.page = get(req.page);
}

if (typeof document !== 'undefined') start();
