// components/details.js: one function in full: its totals, its callers and
// its callees with the exact edge numbers from the profile
// (GET .../functions/{fid}). Handed its root element (the details aside).
// Long names wrap inside the panel, which scrolls rather than grows.

import { el, clear } from '../dom.js';
import { formatTime, formatTimeExact, formatNcalls, formatLocation, formatPercent } from '../format.js';
import { locationCell, timeCell } from './table.js';

export class Details {
  /** root: the panel; store: the page's Store; on: {open(fid), root(fid), close(), error(err)}. */
  constructor(root, store, on) {
    this.root = root;
    this.store = store;
    this.on = on;
    this.q = (sel) => root.querySelector(sel);
    this.profile = null;
    this.fid = null;
    this.token = 0;
    this.q('.details-close').addEventListener('click', () => this.on.close());
    this.q('.details-root').addEventListener('click', () => this.fid !== null && this.on.root(this.fid));
    for (const sel of ['.callers', '.callees']) {
      const body = this.q(sel).tBodies[0];
      body.addEventListener('click', (e) => {
        const tr = e.target.closest('tr');
        if (tr && tr.dataset.fid) this.on.open(Number(tr.dataset.fid));
      });
      body.addEventListener('keydown', (e) => {
        const tr = e.target.closest('tr');
        if (tr && tr.dataset.fid && e.key === 'Enter') this.on.open(Number(tr.dataset.fid));
      });
    }
  }

  /** Shows the function the state names (fn), or hides the panel. */
  update(s) {
    if (s.fn === null || !s.profile) return this.hide();
    if (this.fid === s.fn && this.profile === s.profile) return;
    this.show(s.profile, s.fn);
  }

  hide() {
    this.fid = null;
    this.root.hidden = true;
  }

  async show(profile, fid) {
    this.profile = profile;
    this.fid = fid;
    const token = ++this.token;
    this.root.hidden = false;
    this.q('.fn-name').textContent = 'Loading…';
    this.q('.fn-loc').textContent = '';
    try {
      const res = await this.store.fn(profile, fid);
      if (token !== this.token) return;
      this.render(res);
    } catch (e) {
      if (token !== this.token) return;
      this.q('.fn-name').textContent = 'Could not load this function';
      this.on.error(e);
    }
  }

  render(res) {
    const f = res.function;
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
      ['cumtime/call', formatTime(f.cumtime_percall), f.cumtime_percall],
    ];
    for (const [k] of pairs) stats.append(el('dt', null, k));
    for (const [, v, exact] of pairs) {
      const dd = el('dd', null, v);
      if (exact !== null) dd.title = formatTimeExact(exact);
      stats.append(dd);
    }
    fill(this.q('.callers'), this.q('.callers-count'), res.callers, 'none (called from outside the profile)');
    fill(this.q('.callees'), this.q('.callees-count'), res.callees, 'none');
  }
}

function fill(table, count, edges, none) {
  const body = table.tBodies[0];
  clear(body);
  const sorted = edges.slice().sort((a, b) => b.cumtime - a.cumtime);
  for (const e of sorted) {
    const tr = el('tr');
    tr.dataset.fid = String(e.id);
    tr.tabIndex = 0;
    tr.append(el('td', 'num', formatNcalls(e.ncalls, e.pcalls)), timeCell(e.tottime, false), timeCell(e.cumtime, false), locationCell(e));
    tr.title = `${e.name}  ${e.file}:${e.line}`;
    body.append(tr);
  }
  if (!sorted.length) {
    const tr = el('tr', 'none');
    const td = el('td', 'muted', none);
    td.colSpan = 4;
    tr.append(td);
    body.append(tr);
  }
  table.tHead.hidden = !sorted.length;
  count.textContent = `(${sorted.length})`;
}
