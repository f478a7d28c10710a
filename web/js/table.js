// table.js: the function table, pstats' columns, sorted, filtered and paged
// by the server (GET .../functions), so 300,000 functions cost one page.

import { getFunctions } from './api.js';
import { $, el, clear, delayedShow } from './dom.js';
import { formatSeconds, formatNcalls, shortPath } from './format.js';

export const PAGE_SIZE = 100;
const TEXT_SORTS = new Set(['name', 'file']);

export class FunctionTable {
  /** on: {open(fid), error(err)}. */
  constructor(on) {
    this.on = on;
    this.profile = null;
    this.sort = 'cumtime';
    this.order = 'desc';
    this.q = '';
    this.offset = 0;
    this.total = 0;
    this.selected = null;
    this.abort = null;
    this.body = $('functions').tBodies[0];
    for (const th of document.querySelectorAll('#functions [data-sort]')) {
      th.addEventListener('click', (e) => {
        e.stopPropagation();
        this.sortBy(th.dataset.sort);
      });
    }
    $('page-prev').addEventListener('click', () => this.page(-1));
    $('page-next').addEventListener('click', () => this.page(1));
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
    this.showSort();
  }

  setProfile(id) {
    this.profile = id;
    this.offset = 0;
    this.load();
  }

  setQuery(q) {
    if (q === this.q) return;
    this.q = q;
    this.offset = 0;
    this.load();
  }

  sortBy(key) {
    this.lastGood = { sort: this.sort, order: this.order };
    if (this.sort === key) this.order = this.order === 'desc' ? 'asc' : 'desc';
    else {
      this.sort = key;
      this.order = TEXT_SORTS.has(key) ? 'asc' : 'desc';
    }
    this.offset = 0;
    this.showSort();
    this.load();
  }

  page(dir) {
    const next = this.offset + dir * PAGE_SIZE;
    if (next < 0 || next >= this.total) return;
    this.offset = next;
    this.load();
  }

  select(fid) {
    this.selected = fid;
    for (const tr of this.body.rows) tr.setAttribute('aria-selected', String(Number(tr.dataset.fid) === fid));
  }

  showSort() {
    for (const th of document.querySelectorAll('#functions [data-sort]')) {
      th.setAttribute('aria-sort', th.dataset.sort === this.sort ? (this.order === 'desc' ? 'descending' : 'ascending') : 'none');
    }
  }

  async load() {
    if (!this.profile) return;
    if (this.abort) this.abort.abort();
    const abort = (this.abort = new AbortController());
    const done = delayedShow($('table-loading'));
    try {
      const res = await getFunctions(
        this.profile,
        { sort: this.sort, order: this.order, q: this.q, offset: this.offset, limit: PAGE_SIZE },
        abort.signal,
      );
      if (abort.signal.aborted) return;
      this.total = res.total;
      this.render(res.rows);
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (e.status === 400 && this.lastGood && this.lastGood.sort !== this.sort) {
        // this server cannot sort by that column: say so and go back
        const bad = this.sort;
        Object.assign(this, this.lastGood);
        this.lastGood = null;
        this.showSort();
        this.on.error(new Error(`Sorting the table by ${bad} failed: ${e.detail}`));
        this.abort = null;
        done();
        this.load();
        return;
      }
      this.on.error(e);
    } finally {
      if (this.abort === abort) {
        done();
        this.abort = null;
      }
    }
  }

  render(rows) {
    clear(this.body);
    const maxCum = rows.reduce((m, r) => Math.max(m, r.cumtime), 0) || 1;
    const frag = document.createDocumentFragment();
    for (const r of rows) {
      const tr = el('tr');
      tr.dataset.fid = String(r.id);
      tr.dataset.name = r.name;
      tr.dataset.file = r.file;
      tr.tabIndex = -1;
      tr.setAttribute('aria-selected', String(r.id === this.selected));
      tr.append(
        el('td', 'num', formatNcalls(r.ncalls, r.pcalls)),
        el('td', 'num', formatSeconds(r.tottime)),
        el('td', 'num', formatSeconds(r.tottime_percall)),
        el('td', 'num bar', formatSeconds(r.cumtime)),
        el('td', 'num', formatSeconds(r.cumtime_percall)),
        locationCell(r),
      );
      tr.children[3].style.setProperty('--f', String(r.cumtime / maxCum));
      tr.title = `${r.name}  ${r.file}:${r.line}`;
      frag.append(tr);
    }
    this.body.append(frag);
    if (this.body.rows[0]) this.body.rows[0].tabIndex = 0;
    $('table-scroll').scrollTop = 0;
    $('table-empty').hidden = rows.length > 0;
    const from = rows.length ? this.offset + 1 : 0;
    const to = this.offset + rows.length;
    $('page-info').textContent = `${from.toLocaleString('en-US')}–${to.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')}`;
    $('table-count').textContent = this.q ? `matching “${this.q}”` : '';
    $('page-prev').disabled = this.offset === 0;
    $('page-next').disabled = to >= this.total;
  }
}

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
