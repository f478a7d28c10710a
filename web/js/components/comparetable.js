// components/comparetable.js: the comparison table (GET /api/compare): one
// row per function of either run, BASE's and NEW's numbers side by side with
// the change and the ratio, sortable by clicking a column (change and ratio
// first), filtered by the page's search text, a page at a time, in seconds
// or (cmode "normalised") as percent of each run's own total; the page's
// offset is the URL's coffset (a new sort or filter starts at 0). Handed its
// root element (#compare-pane). Every number is the server's, exact in the
// cell's title; names go in via textContent.

import { el, clear } from '../dom.js';
import { formatTime, formatCount, formatFileLine } from '../format.js';
import { defaultOrder } from '../urlstate.js';

const PAGE = 100;

/** "+1.23 ms" / "−4.5 µs" / "0" for a signed time. */
export function formatChange(v) {
  if (v === null || v === undefined) return '–';
  if (v === 0) return '0';
  return `${v > 0 ? '+' : '−'}${formatTime(Math.abs(v))}`;
}

/** A time as percent of its run's total, "12.3%". */
export function formatShare(v, total) {
  if (!(total > 0)) return '–';
  const p = (100 * v) / total;
  return `${p >= 10 ? p.toFixed(1) : p >= 0.01 ? p.toFixed(2) : p.toPrecision(2)}%`;
}

/** A change in percentage points, "+1.25 pp". */
export function formatPoints(v) {
  if (v === null || v === undefined) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return `${v > 0 ? '+' : '−'}${a >= 10 ? a.toFixed(1) : a >= 0.01 ? a.toFixed(2) : a.toPrecision(2)} pp`;
}

/** "×1.76", "new", "gone" or "–" for a ratio (null: from zero or none). */
export function formatRatio(row, key = 'tottime') {
  if (!row.base) return 'new';
  if (!row.new) return 'gone';
  const r = row.ratio[key];
  if (r === null) return row.change[key] > 0 ? 'from 0' : '–';
  return `×${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}`;
}

export class CompareTable {
  /** root: #compare-pane; on: {open(fid), error(e)}. */
  constructor(root, store, on) {
    this.root = root;
    this.store = store;
    this.on = on;
    this.q = (sel) => root.querySelector(sel);
    this.loading = false;
    this.token = 0;
    this.lastKey = '';
    this.q('thead').addEventListener('click', (e) => {
      const th = e.target.closest('[data-csort]');
      if (!th) return;
      const s = this.store.state;
      const key = th.dataset.csort;
      const order = key === s.csort ? (s.corder === 'desc' ? 'asc' : 'desc') : defaultOrder(key);
      this.store.set({ csort: key, corder: order, coffset: 0 }, { push: false });
    });
    this.q('tbody').addEventListener('click', (e) => {
      const tr = e.target.closest('tr');
      if (tr && tr.dataset.fid) this.on.open(Number(tr.dataset.fid));
    });
    this.q('.compare-normalised').addEventListener('change', (e) => this.store.set({ cmode: e.target.checked ? 'normalised' : 'absolute' }, { push: false }));
    this.q('.page-prev').addEventListener('click', () => this.page(-1));
    this.q('.page-next').addEventListener('click', () => this.page(1));
  }

  page(dir) {
    const s = this.store.state;
    this.store.set({ coffset: Math.max(0, (s.coffset || 0) + dir * PAGE) }, { push: false });
  }

  async update(s) {
    if (!s.base) return;
    const offset = s.coffset || 0;
    // another search or pair starts at the first page (a link's offset holds)
    const query = `${[s.profile, s.base].sort().join('|')}|${s.q}`; // either side shown
    if (this.lastQuery !== undefined && this.lastQuery !== query && offset) {
      this.lastQuery = query;
      this.store.set({ coffset: 0 }, { push: false });
      return;
    }
    this.lastQuery = query;
    const key = `${s.profile}|${s.base}|${s.side}|${s.csort}|${s.corder}|${s.q}|${offset}|${s.cmode}`;
    if (key === this.lastKey) return;
    this.q('.compare-normalised').checked = s.cmode === 'normalised';
    this.lastKey = key;
    this.offset = offset;
    const token = ++this.token;
    this.loading = true;
    for (const th of this.root.querySelectorAll('th[data-csort]')) {
      th.classList.toggle('sorted', th.dataset.csort === s.csort);
      th.dataset.order = th.dataset.csort === s.csort ? s.corder : '';
      th.setAttribute('aria-sort', th.dataset.csort === s.csort ? (s.corder === 'asc' ? 'ascending' : 'descending') : 'none');
    }
    try {
      const d = await this.store.comparePage(s, { sort: s.csort, order: s.corder, q: s.q, offset, limit: PAGE, mode: s.cmode });
      if (token !== this.token) return;
      this.render(d, s);
    } catch (e) {
      if (token === this.token) this.on.error(e);
    } finally {
      if (token === this.token) this.loading = false;
    }
  }

  render(d, s) {
    this.data = d;
    const body = this.q('tbody');
    clear(body);
    const shownSide = s.side === 'base' ? 'base' : 'new';
    for (const r of d.rows) {
      const tr = el('tr');
      tr.dataset.match = r.match;
      const mine = r[shownSide];
      if (mine) tr.dataset.fid = String(mine.id);
      const cell = (text, cls, title) => {
        const td = el('td', cls, text);
        if (title !== undefined) td.title = title;
        tr.append(td);
        return td;
      };
      const fn = el('td', 'loc');
      const name = el('span', 'fn', r.name);
      fn.append(name, el('span', 'muted', ' ' + formatFileLine(r.file, r.line)));
      fn.title = `${r.name} — ${r.file}:${r.line}` + (r.base && r.new && r.base.file !== r.new.file ? `\nBASE: ${r.base.file}:${r.base.line}` : '');
      tr.append(fn);
      cell(r.match.replace('_', ' '), 'match');
      const norm = d.mode === 'normalised';
      const total = { base: d.base.total_time, new: d.new.total_time };
      // normalised: each side as percent of its own run's total (the exact seconds stay in the title)
      const t = (side, k) => (!r[side] ? '–' : norm ? formatShare(r[side][k], total[side]) : formatTime(r[side][k]));
      const change = (v) => (norm ? formatPoints(v) : formatChange(v));
      const exact = (side, k) => (r[side] ? String(r[side][k]) : 'not in this run');
      cell(t('base', 'tottime'), 'num', exact('base', 'tottime'));
      cell(t('new', 'tottime'), 'num', exact('new', 'tottime'));
      const ch = cell(change(r.change.tottime), 'num change', String(r.change.tottime));
      ch.classList.add(r.change.tottime > 0 ? 'slower' : r.change.tottime < 0 ? 'faster' : 'same');
      cell(formatRatio(r, 'tottime'), 'num', r.ratio.tottime === null ? '' : String(r.ratio.tottime));
      cell(t('base', 'cumtime'), 'num', exact('base', 'cumtime'));
      cell(t('new', 'cumtime'), 'num', exact('new', 'cumtime'));
      const cc = cell(change(r.change.cumtime), 'num change', String(r.change.cumtime));
      cc.classList.add(r.change.cumtime > 0 ? 'slower' : r.change.cumtime < 0 ? 'faster' : 'same');
      const dn = r.change.ncalls;
      cell(norm ? formatPoints(dn) : dn === 0 ? '0' : `${dn > 0 ? '+' : '−'}${formatCount(Math.abs(dn))}`, 'num', `BASE ${r.base ? r.base.ncalls : '–'}, NEW ${r.new ? r.new.ncalls : '–'}`);
      body.append(tr);
    }
    const total = d.total;
    const from = total ? this.offset + 1 : 0;
    const to = Math.min(total, this.offset + d.rows.length);
    this.q('.page-info').textContent = `${formatCount(from)}–${formatCount(to)} of ${formatCount(total)}`;
    this.q('.page-prev').disabled = this.offset === 0;
    this.q('.page-next').disabled = to >= total;
    const c = d.counts;
    this.q('.compare-totals').textContent =
      `total ${formatTime(d.base.total_time)} → ${formatTime(d.new.total_time)} (${formatChange(d.change.total_time)}) · ` +
      `${formatCount(c.same + c.path + c.line + c.builtin + c.suffix)} matched, ${formatCount(c.base_only)} only in BASE, ${formatCount(c.new_only)} only in NEW`;
    this.q('.compare-totals').title = `BASE ${d.base.name}: ${d.base.total_time} s; NEW ${d.new.name}: ${d.new.total_time} s`;
    this.q('.table-empty').hidden = d.rows.length > 0;
  }
}
