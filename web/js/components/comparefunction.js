// components/comparefunction.js: the function view's comparison part. In a
// comparison (base set) the open function (fn, an id of the shown run) is
// shown with BASE's and NEW's numbers side by side and the change, and its
// callers and callees as lines that pair the same function in both runs
// (GET /api/compare/function). It lives in its own section of the function
// view's aside, made here and placed after the totals; outside a comparison
// it is hidden. Every number is the server's, exact in the cell's title;
// names go in via textContent.

import { el, clear } from '../dom.js';
import { formatTime, formatCount, formatFileLine } from '../format.js';
import { formatChange, formatRatio } from './comparetable.js';

const LINES = 20; // caller and callee lines shown of each

/** An element holding kids (elements or text). */
function box(tag, cls, ...kids) {
  const e = el(tag, cls);
  e.append(...kids);
  return e;
}

/** "+3" / "−2" / "0" for a signed count. */
export function formatCountChange(v) {
  if (!v) return '0';
  return `${v > 0 ? '+' : '−'}${formatCount(Math.abs(v))}`;
}

/** The class of a change cell: slower, faster or same. */
export function changeClass(v) {
  return v > 0 ? 'slower' : v < 0 ? 'faster' : 'same';
}

/**
 * The totals of a comparison row as table lines [label, BASE, NEW, change,
 * BASE exact, NEW exact] (pure: unit-tested).
 */
export function totalLines(row) {
  const side = (k, f) => (row[k] ? f(row[k]) : '–');
  const exact = (k, f) => (row[k] ? String(f(row[k])) : 'not in this run');
  return [
    ['calls', side('base', (x) => formatCount(x.ncalls)), side('new', (x) => formatCount(x.ncalls)), formatCountChange(row.change.ncalls), exact('base', (x) => x.ncalls), exact('new', (x) => x.ncalls), row.change.ncalls],
    ['own time', side('base', (x) => formatTime(x.tottime)), side('new', (x) => formatTime(x.tottime)), formatChange(row.change.tottime), exact('base', (x) => x.tottime), exact('new', (x) => x.tottime), row.change.tottime],
    ['cumulative', side('base', (x) => formatTime(x.cumtime)), side('new', (x) => formatTime(x.cumtime)), formatChange(row.change.cumtime), exact('base', (x) => x.cumtime), exact('new', (x) => x.cumtime), row.change.cumtime],
  ];
}

export class CompareFunction {
  /** aside: #function-view; on: {open(fid), error(e)}. */
  constructor(aside, store, on) {
    this.store = store;
    this.on = on;
    this.root = el('section', 'fv-compare');
    this.root.hidden = true;
    const stats = aside.querySelector('.stats');
    stats.after(this.root);
    this.key = '';
    this.token = 0;
    this.root.addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-fid]');
      if (tr) this.on.open(Number(tr.dataset.fid));
    });
  }

  /** Shows the comparison of the open function, or hides the section. */
  async update(s) {
    if (!s.base || s.fn === null || !s.profile) {
      this.root.hidden = true;
      this.key = '';
      return;
    }
    const key = `${s.profile}|${s.base}|${s.side}|${s.fn}`;
    if (key === this.key) return;
    this.key = key;
    const token = ++this.token;
    try {
      const d = await this.store.compareFunction(s, s.fn);
      if (token === this.token) this.render(d, s);
    } catch (e) {
      if (token === this.token) this.on.error(e);
    }
  }

  render(d, s) {
    const root = this.root;
    clear(root);
    root.hidden = false;
    const f = d.function;
    const how = f.base && f.new ? `paired: ${f.match.replace('_', ' ')}` : f.base ? 'only in BASE' : 'only in NEW';
    root.append(el('h3', null, 'BASE → NEW'), el('div', 'muted fvc-match', `${how} · ratio ${formatRatio(f, 'tottime')} own, ${formatRatio(f, 'cumtime')} cumulative`));
    if (f.base && f.new && (f.base.file !== f.new.file || f.base.line !== f.new.line)) root.append(el('div', 'muted mono fvc-where', `BASE at ${formatFileLine(f.base.file, f.base.line)}`));
    const totals = el('table', 'grid comparison fvc-totals');
    const head = el('tr');
    for (const h of ['', 'BASE', 'NEW', 'change']) head.append(el('th', h ? 'num' : null, h));
    totals.append(box('thead', null, head));
    const tb = el('tbody');
    for (const [label, b, n, ch, bx, nx, raw] of totalLines(f)) {
      const tr = el('tr');
      const nb = el('td', 'num', b);
      nb.title = bx;
      const nn = el('td', 'num', n);
      nn.title = nx;
      const c = el('td', `num change ${changeClass(raw)}`, ch);
      c.title = String(raw);
      tr.append(el('td', null, label), nb, nn, c);
      tb.append(tr);
    }
    totals.append(tb);
    root.append(totals);
    const shown = s.side === 'base' ? 'base' : 'new';
    for (const dir of ['callers', 'callees']) {
      const lines = d[dir];
      const total = d[`${dir}_total`];
      root.append(box('h3', null, `${dir === 'callers' ? 'Callers' : 'Callees'}, both runs `, el('span', 'muted', `${formatCount(total)} · cumulative time of the call`)));
      if (!lines.length) {
        root.append(el('div', 'muted', 'none'));
        continue;
      }
      const t = el('table', `grid comparison fvc-${dir}`);
      const h = el('tr');
      for (const x of ['function', 'BASE', 'NEW', 'change']) h.append(el('th', x === 'function' ? null : 'num', x));
      t.append(box('thead', null, h));
      const body = el('tbody');
      for (const x of lines.slice(0, LINES)) {
        const tr = el('tr');
        tr.dataset.match = x.match;
        if (x[shown]) tr.dataset.fid = String(x[shown].id);
        const name = el('td', 'loc');
        name.append(el('span', 'fn', x.name), el('span', 'muted', ' ' + formatFileLine(x.file, x.line)));
        name.title = `${x.name} — ${x.file}:${x.line}`;
        const cum = (e) => (!e ? '–' : e.cumtime === null ? `${formatCount(e.ncalls)} calls` : formatTime(e.cumtime));
        const cb = el('td', 'num', cum(x.base));
        cb.title = x.base ? `${x.base.cumtime} s, ${x.base.ncalls} calls` : 'not in BASE';
        const cn = el('td', 'num', cum(x.new));
        cn.title = x.new ? `${x.new.cumtime} s, ${x.new.ncalls} calls` : 'not in NEW';
        const cc = el('td', `num change ${changeClass(x.change.cumtime)}`, formatChange(x.change.cumtime));
        cc.title = `${x.change.cumtime} s, calls ${formatCountChange(x.change.ncalls)}`;
        tr.append(name, cb, cn, cc);
        body.append(tr);
      }
      t.append(body);
      root.append(t);
      if (lines.length > LINES) root.append(el('div', 'muted', `${formatCount(total - LINES)} more, smaller`));
    }
  }

  /** For the e2e tests: the section's tables as text. */
  hook() {
    if (this.root.hidden) return null;
    const text = (sel) => [...this.root.querySelectorAll(`${sel} tbody tr`)].map((r) => [...r.cells].map((c) => c.textContent));
    return { totals: text('.fvc-totals'), callers: text('.fvc-callers'), callees: text('.fvc-callees') };
  }
}
