// components/tooltip.js: the box that follows the pointer over the chart.
// It is handed its root element (role="tooltip") and always stays inside the
// viewport: it is placed beside the pointer, flipped or clamped at the edges,
// and its height is bounded by CSS (long names are cut to three lines; the
// details panel has them in full). nodeTip() builds what it says about one
// box: this node's time and whether it is exact (and why not), the
// function's total cumtime, own time and calls. Text goes in via textContent.

import { el, clear } from '../dom.js';
import { formatTime, formatPercent, formatCount, formatNcalls, formatFileLine } from '../format.js';
import { HIDDEN, foldedHidden } from '../layout.js';

const MARGIN = 8;

/** Why a node's time is an estimate, in the words of the tooltip (keys: the tree's `why`). */
export const WHY = {
  'several-callers': (n) => `${n} has several callers: its time here is a share of its caller edges`,
  'recursive-parent': () => "the parent is recursive: its children's edges overlap and were fitted into it",
  'estimated-parent': () => 'an ancestor is an estimate, so this share is one too',
};

/** The sentence for a re-entry node: name re-enters below parent. */
export function reentryText(name, parent) {
  return `re-entry: ${name} is already on the path above; its time here is bounded by the ${parent} → ${name} edge`;
}

/** Why a node is not exact, or '' when it is (or the server did not say). */
export function whyText(node) {
  if (node.exact || !node.why || !WHY[node.why]) return '';
  return WHY[node.why](node.name);
}

/**
 * Places a box of size w x h near the pointer (x, y) inside a viewport of
 * vw x vh: right of and below the pointer, else left of or above it, else
 * clamped to the margins. Pure, unit-tested. Returns {left, top}.
 */
export function placeBox(x, y, w, h, vw, vh, margin = MARGIN) {
  let left = x + 14;
  let top = y + 16;
  if (left + w > vw - margin) left = x - w - 14;
  if (top + h > vh - margin) top = y - h - 12;
  left = Math.max(margin, Math.min(left, vw - margin - w));
  top = Math.max(margin, Math.min(top, vh - margin - h));
  return { left, top };
}

export class Tooltip {
  constructor(root) {
    this.root = root;
    this.token = 0;
  }

  /** Shows content (an element or a list of them) near the pointer; returns a token for late updates. */
  show(content, x, y) {
    const token = ++this.token;
    clear(this.root);
    this.root.append(...(Array.isArray(content) ? content : [content]));
    this.root.hidden = false;
    this.x = x;
    this.y = y;
    this.place();
    return token;
  }

  /** Places it again (after its content grew). */
  place() {
    const r = this.root;
    const p = placeBox(this.x, this.y, r.offsetWidth, r.offsetHeight, innerWidth, innerHeight);
    r.style.left = `${p.left}px`;
    r.style.top = `${p.top}px`;
  }

  current(token) {
    return token === this.token && !this.root.hidden;
  }

  hide() {
    this.token++;
    this.root.hidden = true;
  }
}

/**
 * What the tooltip says about item `it` (layout.js) of `items`:
 * ctx: {viewTime, profileTime() -> Promise<number>|number, fn(id) -> Promise<{function}>, hint}.
 * Returns {content: [elements], later: [(token check) => void]} where later
 * fills in numbers that need a request (the function's totals from an older server).
 */
export function nodeTip(it, items, ctx) {
  const n = it.node;
  const out = [];
  const rows = el('table');
  const row = (k, v, tag) => {
    const tr = el('tr');
    const td = el('td', null, v);
    if (tag) td.append(el('span', `tag ${tag}`, tag));
    tr.append(el('td', null, k), td);
    rows.append(tr);
    return td;
  };
  const later = [];
  if (it.kind === HIDDEN) {
    const parent = items[it.parent] ? items[it.parent].node.name : '';
    out.push(el('div', 'tt-name', `${formatCount(n.count)} small ${n.count === 1 ? 'call' : 'calls'} hidden (${formatTime(n.time)})`));
    out.push(el('div', 'tt-loc', `under ${parent}: cut by the depth, the "hide under" cutoff or the node budget`));
    row('hidden time', formatTime(n.time), n.exact ? 'exact' : 'estimated');
    row('of view root', formatPercent(n.time / (ctx.viewTime || 1)));
    out.push(rows);
    out.push(el('div', 'tt-hint muted', 'click the parent to zoom in and see them'));
    return { content: out, later };
  }
  const name = el('div', 'tt-name', it.chain.length > 1 ? it.chain.map((c) => c.name).join(' › ') : n.name);
  name.title = name.textContent;
  out.push(name);
  const last = it.chain[it.chain.length - 1];
  out.push(el('div', 'tt-loc', formatFileLine(last.file, last.line)));
  if (it.chain.length > 1) {
    const h = foldedHidden(it.chain);
    const inside = h.count ? `; ${formatCount(h.count)} small ${h.count === 1 ? 'call' : 'calls'} hidden along it (${formatTime(h.time)})` : '';
    out.push(el('div', 'tt-note', `${it.chain.length} calls with a single callee folded into one box${inside}`));
  }
  row('in this branch', formatTime(n.time), n.exact ? 'exact' : 'estimated');
  if (n.id === -1) {
    row('of profile', '100%');
    out.push(rows);
    return { content: out, later };
  }
  const cum = row('function total', typeof n.cumtime === 'number' ? `${formatTime(n.cumtime)} (cumtime)` : '…');
  const own = row('own time', typeof n.tottime === 'number' ? `${formatTime(n.tottime)} (tottime)` : '…');
  const calls = row('calls', typeof n.ncalls === 'number' ? `${formatNcalls(n.ncalls, n.pcalls)} in all, ${formatCount(n.calls)} here` : `${formatCount(n.calls)} here`);
  row('of view root', formatPercent(n.time / (ctx.viewTime || 1)));
  const whole = row('of profile', '…');
  later.push(async (ok) => {
    const total = await ctx.profileTime();
    if (ok()) whole.textContent = formatPercent(n.time / (total || 1));
  });
  if (typeof n.cumtime !== 'number' || typeof n.tottime !== 'number') {
    later.push(async (ok) => {
      try {
        const f = (await ctx.fn(n.id)).function;
        if (!ok()) return;
        cum.textContent = `${formatTime(f.cumtime)} (cumtime)`;
        own.textContent = `${formatTime(f.tottime)} (tottime)`;
        calls.textContent = `${formatNcalls(f.ncalls, f.pcalls)} in all, ${formatCount(n.calls)} here`;
      } catch {
        if (ok()) cum.textContent = own.textContent = 'unavailable';
      }
    });
  }
  out.push(rows);
  if (n.reentry) {
    const parent = items[it.parent] ? items[it.parent].chain[items[it.parent].chain.length - 1].name : 'its caller';
    out.push(el('div', 'tt-why', reentryText(n.name, parent)));
  }
  const why = whyText(n);
  if (why) out.push(el('div', 'tt-why', `estimate: ${why}`));
  if (ctx.hint) out.push(el('div', 'tt-hint muted', ctx.hint));
  return { content: out, later };
}
