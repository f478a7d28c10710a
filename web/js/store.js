// store.js: the page's one source of truth. It holds the state (everything
// that makes a view, mirrored in the URL by urlstate.js), the server facts
// that are not in the URL (the list of profiles, whether uploads are on), and
// cached fetches, so that every component asks the store and a second asker
// gets the same Promise. Components subscribe and redraw from the state;
// user actions call set(). No DOM here: the history and the API are handed
// in, so tests/web/store.test.mjs drives it in Node.
//
// Ownership: the store owns its caches; a cached Promise that rejects is
// dropped, so a retry asks the server again.

import { parseState, formatState } from './urlstate.js';

/** A Map that forgets its oldest entries beyond `max`. */
class Lru {
  constructor(max) {
    this.max = max;
    this.map = new Map();
  }
  get(k) {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k, v) {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
  }
  delete(k) {
    this.map.delete(k);
  }
}

const treeKey = (profile, path, depth, cutoff) => `${profile}|${path.join(',')}|${depth}|${cutoff}`;
const pageKey = (profile, o) => `${profile}|${o.sort}|${o.order}|${o.q}|${o.offset}|${o.limit}|${o.within ? o.within.join(',') : '-'}`;

export class Store {
  /**
   * api: the functions of api.js (getTree, getFunction, getFunctions, ...).
   * nav: {search() -> current query string, push(url), replace(url)}.
   * views: the names of the known views (views/index.js).
   */
  constructor(api, nav, views) {
    this.api = api;
    this.nav = nav;
    this.views = views;
    this.state = parseState(nav.search(), views);
    this.listeners = new Set();
    this.profiles = []; // summaries from GET /api/profiles
    this.uploads = false; // the server takes uploads (--dir mode)
    this.names = new Map(); // profile -> Map(fid -> name), from every node and row seen
    this.trees = new Lru(24);
    this.fns = new Lru(400);
    this.rows = new Lru(2000); // `${profile}:${fid}` -> the function's row, from every table page seen
    this.pages = new Lru(16);
    this.fnviews = new Lru(40); // the function view's trees and sites, and searches
    this.compares = new Lru(16);
  }

  /** fn(state, prev) runs after every change; returns a function that unsubscribes. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(prev) {
    for (const fn of this.listeners) fn(this.state, prev);
  }

  /**
   * Changes part of the state and the URL. push adds a history entry (else
   * it replaces the current one); quiet updates the URL without telling the
   * subscribers (for typing in the search box, whose effect is shown at once).
   * Returns true when something changed.
   */
  set(patch, { push = true, quiet = false } = {}) {
    const prev = this.state;
    const next = { ...prev, ...patch };
    const url = formatState(next);
    if (url === formatState(prev)) return false;
    this.state = next;
    const target = url || '?';
    if (push) this.nav.push(target);
    else this.nav.replace(target);
    if (!quiet) this.emit(prev);
    return true;
  }

  /** The URL changed under us (back/forward): read it again. */
  fromUrl() {
    const prev = this.state;
    this.state = parseState(this.nav.search(), this.views);
    this.emit(prev);
  }

  /** Replaces the URL to match the state without a change event (after fixing it up). */
  syncUrl() {
    this.nav.replace(formatState(this.state) || '?');
  }

  // ---- cached fetches ------------------------------------------------------

  cached(lru, key, make) {
    let p = lru.get(key);
    if (!p) {
      p = make();
      lru.set(key, p);
      p.catch(() => lru.get(key) === p && lru.delete(key));
    }
    return p;
  }

  /** GET .../tree for {path, depth, cutoff}; remembers every node's name. */
  tree(profile, { path = [], depth, cutoff }) {
    return this.cached(this.trees, treeKey(profile, path, depth, cutoff), () => this.api.getTree(profile, { path, depth, cutoff }).then((t) => this.remembered(profile, t)));
  }

  remembered(profile, t) {
    this.remember(profile, t.root);
    return t;
  }

  /** Puts a tree request started elsewhere (boot.js) in the cache, unless one is there. */
  seedTree(profile, { path = [], depth, cutoff }, promise) {
    this.cached(this.trees, treeKey(profile, path, depth, cutoff), () => promise.then((t) => this.remembered(profile, t)));
  }

  /** Puts a function-table request started elsewhere (boot.js) in the cache. */
  seedFunctions(profile, opts, promise) {
    this.cached(this.pages, pageKey(profile, opts), () => promise.then((r) => this.rowsSeen(profile, r)));
  }

  rowsSeen(profile, r) {
    for (const row of r.rows) {
      this.namesOf(profile).set(row.id, row.name);
      this.rows.set(`${profile}:${row.id}`, row);
    }
    return r;
  }

  /**
   * A function's totals (a table row: id, name, file, line, ncalls, pcalls,
   * tottime, cumtime and their per-call values): the row of a table page
   * already seen, else GET .../functions/{fid}'s `function` (whose callers
   * and callees lists are far larger than the totals).
   */
  summary(profile, fid) {
    const row = this.rows.get(`${profile}:${fid}`);
    return row ? Promise.resolve(row) : this.fn(profile, fid).then((f) => f.function);
  }

  /** The top of a profile's tree (its real root or <all roots>, one level). */
  top(profile) {
    return this.tree(profile, { path: [], depth: 1, cutoff: 0 });
  }

  /** GET .../functions/{fid}: {function, callers, callees}. */
  fn(profile, fid) {
    return this.cached(this.fns, `${profile}:${fid}`, () =>
      this.api.getFunction(profile, fid).then((f) => {
        this.namesOf(profile).set(Number(fid), f.function.name);
        return f;
      }),
    );
  }

  /** One page of the function table: opts {sort, order, q, offset, limit}. */
  functions(profile, opts) {
    return this.cached(this.pages, pageKey(profile, opts), () =>
      this.api.getFunctions(profile, opts).then((r) => this.rowsSeen(profile, r)),
    );
  }

  /**
   * A comparison's tree for the shown profile (state.profile, BASE when
   * side is "base") against the other (state.base): GET /api/compare/tree.
   */
  compareTree(s, { path = [], depth, cutoff }) {
    const [b, n] = s.side === 'base' ? [s.profile, s.base] : [s.base, s.profile];
    const key = `ct|${b}|${n}|${s.side}|${path.join(',')}|${depth}|${cutoff}`;
    return this.cached(this.compares, key, () => this.api.getCompareTree(b, n, { side: s.side, path, depth, cutoff }));
  }

  /** One function of the comparison (fid: an id of the shown run). */
  compareFunction(s, fid) {
    const [b, n] = s.side === 'base' ? [s.profile, s.base] : [s.base, s.profile];
    return this.cached(this.compares, `cf|${b}|${n}|${s.side}|${fid}`, () => this.api.getCompareFunction(b, n, { side: s.side, fid }));
  }

  /** A page of the comparison table (BASE and NEW by the state's side). */
  comparePage(s, opts) {
    const [b, n] = s.side === 'base' ? [s.profile, s.base] : [s.base, s.profile];
    const key = `cp|${b}|${n}|${opts.sort}|${opts.order}|${opts.q}|${opts.offset}|${opts.limit}|${opts.mode}`;
    return this.cached(this.compares, key, () => this.api.getCompare(b, n, opts));
  }

  /** The callers ('callers') or callees ('callees') tree of a function (function view). */
  fnTree(profile, fid, dir) {
    return this.cached(this.fnviews, `${profile}|${fid}|${dir}`, () => this.api.getFunctionTree(profile, fid, dir, { depth: 3, cutoff: 0.001 }));
  }

  /** The call sites of a function, largest first (function view). */
  sites(profile, fid) {
    return this.cached(this.fnviews, `${profile}|${fid}|sites`, () => this.api.getSites(profile, fid, { limit: 50 }));
  }

  /** The call sites of every function matching q, counted at or under the path within. */
  searchSites(profile, q, within) {
    return this.cached(this.fnviews, `${profile}|q=${q}|${within.join(',')}`, () => this.api.searchSites(profile, { q, within, limit: 200 }));
  }

  /** A function's name, from anything seen so far or from the server. */
  async nameOf(profile, fid) {
    const known = this.namesOf(profile).get(Number(fid));
    if (known !== undefined) return known;
    try {
      return (await this.fn(profile, fid)).function.name;
    } catch {
      return `#${fid}`;
    }
  }

  /** The names known for a profile's functions: Map(fid -> name). */
  namesOf(profile) {
    let m = this.names.get(profile);
    if (!m) this.names.set(profile, (m = new Map()));
    return m;
  }

  remember(profile, node) {
    const names = this.namesOf(profile);
    const stack = [node];
    while (stack.length) {
      const n = stack.pop();
      if (n.id !== -1) names.set(n.id, n.name);
      if (n.children) for (const c of n.children) stack.push(c);
    }
  }

  /** The summary of the current profile from the list, or null. */
  profile(id = this.state.profile) {
    return this.profiles.find((p) => p.id === id) || null;
  }
}
