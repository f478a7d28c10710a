// components/functionview.js: one function in full, speedscope's
// "sandwich": its totals, its call sites in the icicle (largest first, a
// click makes one the view root), every caller as a bottom-up tree and every
// callee as a top-down tree. The first level of each tree is the measured
// edges (exact); deeper levels are estimates, marked "est." with the reason
// in their title. Data: store.fn (totals), store.fnTree (the two trees),
// store.sites; the trees are drawn as soon as they arrive, the sites when
// theirs do. Handed its root element (the aside #function-view); names
// reach the page via textContent only. Records performance.mark
// ("profviz:function") when the trees are drawn.

import { el, clear } from '../dom.js';
import { formatTime, formatTimeExact, formatNcalls, formatLocation, formatPercent, formatCount } from '../format.js';
import { treeRows, firstLevel, whyText, siteLabel } from '../fntree.js';

const ROW_LIMIT = 2000; // rows drawn per tree; the rest behind "show all"
const FIRST_ROWS = 24; // rows drawn before the view counts as drawn (a tree shows 16em, about 11 rows)
const CHUNK_ROWS = 300; // then this many per task

export class FunctionView {
  /** root: the aside; store: the page's Store; on: {open(fid), go(path), close(), error(err)}. */
  constructor(root, store, on) {
    this.root = root;
    this.store = store;
    this.on = on;
    this.q = (sel) => root.querySelector(sel);
    this.profile = null;
    this.fid = null;
    this.token = 0;
    this.shown = null; // {fn, callers, callees} once drawn
    this.trees = { callers: null, callees: null };
    this.open = { callers: new Set(), callees: new Set() };
    this.all = { callers: false, callees: false };
    this.pending = { callers: false, callees: false };
    this.drawTokens = { callers: 0, callees: 0 };
    this.q('.fv-close').addEventListener('click', () => this.on.close());
    for (const dir of ['callers', 'callees']) {
      const box = this.q(`.fv-${dir}`);
      box.addEventListener('click', (e) => this.treeClick(dir, e));
      box.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') this.treeClick(dir, e);
      });
    }
    this.q('.fv-sites').addEventListener('click', (e) => {
      const li = e.target.closest('li[data-site]');
      if (li && this.sites) this.on.go(this.sites.sites[Number(li.dataset.site)].path.slice());
    });
  }

  /** Shows the function the state names (fn), or hides the panel. */
  update(s) {
    if (s.fn === null || !s.profile) return this.hide();
    if (this.fid === s.fn && this.profile === s.profile) return;
    this.show(s.profile, s.fn);
  }

  /** Starts the view's requests for fid (before the state changes and the page redraws). */
  prefetch(profile, fid) {
    if (!profile || fid === null) return;
    for (const p of [this.store.summary(profile, fid), this.store.fnTree(profile, fid, 'callers'), this.store.fnTree(profile, fid, 'callees'), this.store.sites(profile, fid)]) p.catch(() => {});
  }

  hide() {
    this.fid = null;
    this.shown = null;
    this.root.hidden = true;
  }

  /** What the view shows, for window.profviz.functionView(). */
  hook() {
    return this.root.hidden || !this.shown ? null : this.shown;
  }

  async show(profile, fid) {
    this.profile = profile;
    this.fid = fid;
    this.shown = null;
    this.sites = null;
    const token = ++this.token;
    this.root.hidden = false;
    this.q('.fn-name').textContent = 'Loading…';
    this.q('.fn-loc').textContent = '';
    clear(this.q('.stats'));
    for (const dir of ['callers', 'callees']) {
      this.open[dir] = new Set();
      this.all[dir] = false;
      this.trees[dir] = null;
      this.drawTokens[dir]++;
      clear(this.q(`.fv-${dir}`));
      this.q(`.${dir}-count`).textContent = '';
    }
    clear(this.q('.fv-sites'));
    this.q('.sites-count').textContent = '';
    this.q('.sites-note').textContent = 'Finding call sites…';
    const st = this.store;
    const fnP = st.summary(profile, fid); // the totals: a table row when one was seen
    const callersP = st.fnTree(profile, fid, 'callers');
    const calleesP = st.fnTree(profile, fid, 'callees');
    const sitesP = st.sites(profile, fid);
    sitesP.catch(() => {});
    try {
      const [f, callers, callees] = await Promise.all([fnP, callersP, calleesP]);
      if (token !== this.token) return;
      this.renderTotals(f);
      this.trees = { callers: callers.root, callees: callees.root };
      this.renderTree('callers');
      this.renderTree('callees');
      this.shown = { fn: fid, callers: firstLevel(callers.root), callees: firstLevel(callees.root) };
      performance.mark('profviz:function');
    } catch (e) {
      if (token !== this.token) return;
      this.q('.fn-name').textContent = 'Could not load this function';
      this.on.error(e);
      return;
    }
    try {
      const sites = await sitesP;
      if (token !== this.token) return;
      this.sites = sites;
      this.renderSites(sites);
    } catch (e) {
      if (token !== this.token) return;
      this.q('.sites-note').textContent = `Could not find the call sites: ${e.message}`;
    }
  }

  renderTotals(f) {
    const p = this.store.profile(this.profile);
    const total = p && p.total_time > 0 ? p.total_time : 0;
    this.q('.fn-name').textContent = f.name;
    this.q('.fn-name').title = f.name;
    this.q('.fn-loc').textContent = formatLocation(f.file, f.line, f.name);
    const stats = this.q('.stats');
    clear(stats);
    const pct = (v) => (total ? ` (${formatPercent(v / total)})` : '');
    const pairs = [
      ['ncalls', formatNcalls(f.ncalls, f.pcalls), null],
      ['tottime', formatTime(f.tottime) + pct(f.tottime), f.tottime],
      ['cumtime', formatTime(f.cumtime) + pct(f.cumtime), f.cumtime],
      ['tottime/call', formatTime(f.tottime_percall), f.tottime_percall],
      ['cumtime/call', formatTime(f.cumtime_percall), f.cumtime_percall],
    ];
    for (const [k, v, exact] of pairs) {
      const dd = el('dd', null, v);
      if (exact !== null && Number.isFinite(exact)) dd.title = formatTimeExact(exact);
      stats.append(el('dt', null, k), dd);
    }
  }

  treeClick(dir, e) {
    const row = e.target.closest('[data-key]');
    if (row) {
      if (e.target.closest('.fv-name')) {
        e.preventDefault();
        this.on.open(Number(row.dataset.id));
        return;
      }
      if (row.dataset.kids !== '1') return;
      e.preventDefault();
      const set = this.open[dir];
      if (set.has(row.dataset.key)) set.delete(row.dataset.key);
      else set.add(row.dataset.key);
      this.renderTree(dir);
      const again = this.q(`.fv-${dir} [data-key="${CSS.escape(row.dataset.key)}"]`);
      if (again) again.focus();
      return;
    }
    if (e.target.closest('.fv-all')) {
      this.all[dir] = true;
      this.renderTree(dir);
    }
  }

  renderTree(dir) {
    const root = this.trees[dir];
    const box = this.q(`.fv-${dir}`);
    clear(box);
    if (!root) return;
    const n = root.children.length + (root.hidden ? root.hidden.count : 0);
    this.q(`.${dir}-count`).textContent = `(${formatCount(n)})`;
    if (!n) {
      box.append(el('div', 'muted fv-none', dir === 'callers' ? 'none (called from outside the profile)' : 'none'));
      return;
    }
    const rows = treeRows(root, this.open[dir]);
    const limit = this.all[dir] ? rows.length : Math.min(rows.length, ROW_LIMIT);
    const whole = root.time > 0 ? root.time : 1;
    const tail = [];
    if (limit < rows.length) {
      const more = el('button', 'btn small fv-all', `Show all ${formatCount(rows.length)} rows`);
      more.type = 'button';
      tail.push(more);
    }
    if (root.hidden) {
      tail.push(el('div', 'muted fv-none', `${formatCount(root.hidden.count)} more (${formatTime(root.hidden.time)}) not listed: past the size limit`));
    }
    // the rows in sight first; the rest in chunks after this frame, so that
    // a function with hundreds of callers shows at once
    const token = ++this.drawTokens[dir];
    const add = (from, to) => {
      const frag = document.createDocumentFragment();
      for (let i = from; i < to; i++) frag.append(this.row(rows[i], whole));
      box.insertBefore(frag, tail[0] || null);
    };
    box.append(...tail);
    const first = Math.min(limit, FIRST_ROWS);
    add(0, first);
    this.pending[dir] = first < limit;
    const rest = (from) => {
      if (token !== this.drawTokens[dir]) return;
      const to = Math.min(limit, from + CHUNK_ROWS);
      add(from, to);
      if (to < limit) setTimeout(() => rest(to), 0);
      else this.pending[dir] = false;
    };
    if (first < limit) setTimeout(() => rest(first), 0);
  }

  /** True while rows are still being added (tests wait for all of them). */
  drawing() {
    return this.pending.callers || this.pending.callees;
  }

  row(r, whole) {
    const n = r.node;
    const d = el('div', 'fv-row');
    d.dataset.key = r.key;
    d.dataset.id = String(n.id);
    d.dataset.kids = r.hasKids ? '1' : '0';
    d.tabIndex = 0;
    d.setAttribute('role', 'treeitem');
    d.setAttribute('aria-level', String(r.depth + 1));
    if (r.hasKids) d.setAttribute('aria-expanded', String(r.open));
    d.style.setProperty('--depth', String(r.depth));
    d.style.setProperty('--f', String(Math.min(1, n.time / whole)));
    const twist = el('span', 'fv-twist', r.hasKids ? (r.open ? '▾' : '▸') : '');
    const time = el('span', 'fv-time num', formatTime(n.time));
    time.title = formatTimeExact(n.time);
    const pct = el('span', 'fv-pct num', formatPercent(n.time / whole));
    const name = el('span', 'fv-name', n.name);
    name.title = `${n.name}  ${n.file}:${n.line} — open this function`;
    d.append(twist, time, pct, name);
    const why = whyText(n);
    if (why) {
      const est = el('span', 'fv-est', 'est.');
      est.title = why;
      d.append(est);
    }
    if (n.reentry) {
      const re = el('span', 'fv-est', 'recursion');
      re.title = 'this function is already on the chain: its callers are not repeated';
      d.append(re);
    }
    if (n.hidden && r.open) {
      d.title = `${n.hidden.count} smaller ${n.hidden.count === 1 ? 'entry' : 'entries'} (${formatTime(n.hidden.time)}) not listed`;
    }
    return d;
  }

  renderSites(s) {
    const list = this.q('.fv-sites');
    clear(list);
    this.q('.sites-count').textContent = `(${formatCount(s.total)})`;
    const frag = document.createDocumentFragment();
    s.sites.forEach((site, i) => {
      const li = el('li', 'fv-site');
      li.dataset.site = String(i);
      li.tabIndex = 0;
      const t = el('span', 'fv-time num', formatTime(site.time));
      t.title = formatTimeExact(site.time) + (site.exact ? '' : ' (estimated)');
      const label = el('span', 'fv-path', siteLabel(site.via));
      li.title = `Show this call site in the chart (${site.path.length} levels deep)`;
      li.append(t, label);
      if (!site.exact) li.append(el('span', 'fv-est', 'est.'));
      frag.append(li);
    });
    list.append(frag);
    list.onkeydown = (e) => {
      const li = e.target.closest('li[data-site]');
      if (li && e.key === 'Enter') this.on.go(s.sites[Number(li.dataset.site)].path.slice());
    };
    const notes = [];
    if (s.total > s.sites.length) notes.push(`the ${s.sites.length} largest of ${formatCount(s.total)} shown`);
    if (!s.complete) notes.push('sites under the call tree’s size limit may be missing');
    if (!s.total) notes.push('no call site found in the call tree');
    this.q('.sites-note').textContent = notes.join('; ');
  }
}
