// components/table.js: the function table: pstats' columns plus each
// function's share of the total, sorted, filtered and paged by the server
// (GET .../functions), so 300,000 functions cost one page. Sort, order and
// offset live in the store's state (the URL); times use the UI's one format
// (format.js formatTime) or, switched, pstats' raw seconds. Handed its root
// element (the table pane); names reach the page via textContent only.

import { el, clear, delayedShow } from '../dom.js';
import { formatTime, formatTimeExact, formatSeconds, formatNcalls, formatPercent, formatCount, shortPath } from '../format.js';
import { defaultOrder } from '../urlstate.js';

export const PAGE_SIZE = 100;
const RAW_KEY = 'profviz.rawSeconds';

/** The filename:lineno(function) cell: the name stands out, the file is muted. */
export function locationCell(r) {
  const td = el('td', 'loc');
  if (r.file === '~' && !r.line) {
    td.append(el('span', 'fn', `{${r.name}}`));
  } else {
    td.append(el('span', 'file', `${shortPath(r.file)}:${r.line}(`), el('span', 'fn', r.name), el('span', 'file', ')'));
  }
  return td;
}

/** A time cell: the UI's format (or raw pstats seconds), the exact double in the title. */
export function timeCell(seconds, raw, cls = 'num') {
  const td = el('td', cls, seconds === null || seconds === undefined ? '–' : raw ? formatSeconds(seconds) : formatTime(seconds));
  if (Number.isFinite(seconds)) td.title = formatTimeExact(seconds);
  return td;
}

export class FunctionTable {
  /** root: the table pane; store: the page's Store; on: {open(fid), error(err)}. */
  constructor(root, store, on) {
    this.root = root;
    this.store = store;
    this.on = on;
    this.q = (sel) => root.querySelector(sel);
    this.body = this.q('tbody');
    this.shownKey = '';
    this.loading = false;
    this.selected = null;
    this.total = 0;
    this.raw = readRaw();
    this.q('.raw-toggle input').checked = this.raw;
    this.q('.raw-toggle input').addEventListener('change', (e) => {
      this.raw = e.target.checked;
      try {
        localStorage.setItem(RAW_KEY, this.raw ? '1' : '0');
      } catch {
        // private mode: not remembered
      }
      this.shownKey = '';
      this.update(this.store.state);
    });
    for (const th of root.querySelectorAll('[data-sort]')) {
      th.addEventListener('click', (e) => {
        e.stopPropagation();
        this.sortBy(th.dataset.sort);
      });
    }
    this.q('.page-prev').addEventListener('click', () => this.page(-1));
    this.q('.page-next').addEventListener('click', () => this.page(1));
    this.body.addEventListener('click', (e) => {
      const tr = e.target.closest('tr');
      if (tr && tr.dataset.fid) this.on.open(Number(tr.dataset.fid));
    });
    this.body.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr');
      if (!tr) return;
      if (e.key === 'Enter' && tr.dataset.fid) this.on.open(Number(tr.dataset.fid));
      if (e.key === 'ArrowDown' && tr.nextElementSibling) tr.nextElementSibling.focus(), e.preventDefault();
      if (e.key === 'ArrowUp' && tr.previousElementSibling) tr.previousElementSibling.focus(), e.preventDefault();
    });
  }

  sortBy(key) {
    const s = this.store.state;
    const order = s.sort === key ? (s.order === 'desc' ? 'asc' : 'desc') : defaultOrder(key);
    this.lastGood = { sort: s.sort, order: s.order };
    this.store.set({ sort: key, order, offset: 0 }, { push: false });
  }

  page(dir) {
    const s = this.store.state;
    const next = s.offset + dir * PAGE_SIZE;
    if (next < 0 || next >= this.total) return;
    this.store.set({ offset: next }, { push: false });
  }

  /** True when the table shows what state s asks for. */
  isCurrent(s) {
    return !this.loading && !!s.profile && this.renderedKey === this.keyOf(s);
  }

  keyOf(s) {
    return JSON.stringify([s.profile, { sort: s.sort, order: s.order, q: s.q, offset: s.offset, limit: PAGE_SIZE }, this.raw, s.sub ? s.path : null]);
  }

  /** Shows what the state asks for (profile, search, sort, order, offset). */
  async update(s) {
    this.select(s.fn);
    for (const th of this.root.querySelectorAll('[data-sort]')) {
      th.setAttribute('aria-sort', th.dataset.sort === s.sort ? (s.order === 'desc' ? 'descending' : 'ascending') : 'none');
    }
    if (!s.profile) return;
    const opts = { sort: s.sort, order: s.order, q: s.q, offset: s.offset, limit: PAGE_SIZE };
    if (s.sub) opts.within = s.path; // only the view root's subtree (GET .../functions?within=)
    const key = this.keyOf(s);
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.loading = true;
    const done = delayedShow(this.q('.table-loading'));
    try {
      const res = await this.store.functions(s.profile, opts);
      if (key !== this.shownKey) return;
      this.total = res.total;
      this.render(res.rows, s);
      this.renderedKey = key;
    } catch (e) {
      if (key !== this.shownKey) return;
      if (e.status === 400 && this.lastGood && this.lastGood.sort !== s.sort) {
        // this server cannot sort by that column: say so and go back
        const good = this.lastGood;
        this.lastGood = null;
        this.on.error(new Error(`Sorting the table by ${s.sort} failed: ${e.detail}`));
        this.store.set({ ...good, offset: 0 }, { push: false });
        return;
      }
      this.on.error(e);
    } finally {
      if (key === this.shownKey) {
        this.loading = false;
        done();
      }
    }
  }

  select(fid) {
    this.selected = fid;
    for (const tr of this.body.rows) tr.setAttribute('aria-selected', String(Number(tr.dataset.fid) === fid));
  }

  render(rows, s) {
    clear(this.body);
    const p = this.store.profile(s.profile);
    const total = p && p.total_time > 0 ? p.total_time : 0;
    const raw = this.raw;
    const frag = document.createDocumentFragment();
    for (const r of rows) {
      const tr = el('tr');
      tr.dataset.fid = String(r.id);
      tr.dataset.name = r.name;
      tr.dataset.file = r.file;
      tr.tabIndex = -1;
      tr.setAttribute('aria-selected', String(r.id === this.selected));
      const cumPct = el('td', 'num pct bar', total ? formatPercent(r.cumtime / total) : '–');
      cumPct.style.setProperty('--f', String(total ? Math.min(1, r.cumtime / total) : 0));
      tr.append(
        el('td', 'num', formatNcalls(r.ncalls, r.pcalls)),
        timeCell(r.tottime, raw),
        timeCell(r.tottime_percall, raw),
        el('td', 'num pct', total ? formatPercent(r.tottime / total) : '–'),
        timeCell(r.cumtime, raw),
        timeCell(r.cumtime_percall, raw),
        cumPct,
        locationCell(r),
      );
      tr.title = `${r.name}  ${r.file}:${r.line}`;
      frag.append(tr);
    }
    this.body.append(frag);
    if (this.body.rows[0]) this.body.rows[0].tabIndex = 0;
    // back to the first row for a new page; not for the first one, which is
    // there already (setting scrollTop lays the page out at once, rows and all)
    if (this.renderedKey) this.q('.table-scroll').scrollTop = 0;
    this.q('.table-empty').hidden = rows.length > 0;
    const from = rows.length ? s.offset + 1 : 0;
    const to = s.offset + rows.length;
    this.q('.page-info').textContent = `${formatCount(from)}–${formatCount(to)} of ${formatCount(this.total)}`;
    this.q('.table-count').textContent = (s.q ? `matching “${s.q}”` : '') + (s.sub ? `${s.q ? ', ' : ''}in this subtree` : '');
    this.q('.page-prev').disabled = s.offset === 0;
    this.q('.page-next').disabled = to >= this.total;
  }
}

function readRaw() {
  try {
    return localStorage.getItem(RAW_KEY) === '1';
  } catch {
    return false;
  }
}
