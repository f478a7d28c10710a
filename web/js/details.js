// details.js: one function in full: its totals, its callers and its callees
// with the exact edge numbers from the profile (GET .../functions/{fid}).

import { getFunction } from './api.js';
import { $, el, clear } from './dom.js';
import { formatSeconds, formatNcalls, formatLocation } from './format.js';
import { locationCell } from './table.js';

export class Details {
  /** on: {open(fid), root(fid), close(), error(err)}. */
  constructor(on) {
    this.on = on;
    this.profile = null;
    this.fid = null;
    this.token = 0;
    $('details-close').addEventListener('click', () => this.on.close());
    $('details-root').addEventListener('click', () => this.fid !== null && this.on.root(this.fid));
    for (const id of ['callers', 'callees']) {
      const body = $(id).tBodies[0];
      body.addEventListener('click', (e) => {
        const tr = e.target.closest('tr');
        if (tr && tr.dataset.fid) this.on.open(Number(tr.dataset.fid));
      });
      body.addEventListener('keydown', (e) => {
        const tr = e.target.closest('tr');
        if (tr && e.key === 'Enter') this.on.open(Number(tr.dataset.fid));
      });
    }
  }

  hide() {
    this.fid = null;
    $('details').hidden = true;
  }

  async show(profile, fid) {
    this.profile = profile;
    this.fid = fid;
    const token = ++this.token;
    $('details').hidden = false;
    $('details-name').textContent = 'Loading…';
    $('details-loc').textContent = '';
    try {
      const res = await getFunction(profile, fid);
      if (token !== this.token) return;
      this.render(res);
    } catch (e) {
      if (token !== this.token) return;
      $('details-name').textContent = 'Could not load this function';
      this.on.error(e);
    }
  }

  render(res) {
    const f = res.function;
    $('details-name').textContent = f.name;
    $('details-loc').textContent = formatLocation(f.file, f.line, f.name);
    const stats = $('details-stats');
    clear(stats);
    const pairs = [
      ['ncalls', formatNcalls(f.ncalls, f.pcalls)],
      ['tottime', formatSeconds(f.tottime)],
      ['cumtime', formatSeconds(f.cumtime)],
      ['cum/call', formatSeconds(f.cumtime_percall)],
    ];
    for (const [k, v] of pairs) stats.append(el('dt', null, k));
    for (const [, v] of pairs) stats.append(el('dd', null, v));
    fill('callers', res.callers);
    fill('callees', res.callees);
  }
}

function fill(id, edges) {
  const body = $(id).tBodies[0];
  clear(body);
  const sorted = edges.slice().sort((a, b) => b.cumtime - a.cumtime);
  for (const e of sorted) {
    const tr = el('tr');
    tr.dataset.fid = String(e.id);
    tr.tabIndex = 0;
    tr.append(
      el('td', 'num', formatNcalls(e.ncalls, e.pcalls)),
      el('td', 'num', formatSeconds(e.tottime)),
      el('td', 'num', formatSeconds(e.cumtime)),
      locationCell(e),
    );
    tr.title = `${e.name}  ${e.file}:${e.line}`;
    body.append(tr);
  }
  if (!sorted.length) {
    const tr = el('tr', 'none');
    const td = el('td', 'muted', id === 'callers' ? 'none (called from outside the profile)' : 'none');
    td.colSpan = 4;
    tr.append(td);
    body.append(tr);
  }
  $(id).tHead.hidden = !sorted.length;
  $(`${id}-count`).textContent = `(${sorted.length})`;
}
