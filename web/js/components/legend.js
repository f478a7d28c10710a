// components/legend.js: what the colours and marks of the chart mean. Handed
// its root element. It shows the current colour scale (top modules, or the
// own-time heat scale, or a view's own legend), one line on exact and
// estimated boxes, and a help panel with the longer explanation on hover or
// click.

import { el, clear } from '../dom.js';

export const EXACT_LINE = 'plain = exact, hatched = estimated: pstats keeps caller→callee totals, not call stacks';

const HELP = [
  'A .prof file stores, for each function, its totals and the totals of each caller→callee edge. It does not store call stacks, so a box deep in the tree can only sometimes be measured.',
  'Plain boxes are exact: the number is measured (a root, or a chain where the time can only have come one way, such as a function with a single caller under a box that holds its caller\'s whole time).',
  'Hatched boxes are estimates: the function has several callers and its time here is a share of its edges, or it sits under a recursive or estimated box. The tooltip says why.',
  '↻ and a dashed outline mark a re-entry: the function is already on the path above (recursion); its time there is bounded by the edge into it.',
  'A grey box with "…" holds the small calls the depth, the "hide under" cutoff or the node budget left out.',
  'Folded boxes (two bars on the left) stand for a chain of calls that each have a single callee.',
];

export class Legend {
  constructor(root) {
    this.root = root;
    this.help = null;
  }

  /** legend: what Chart.legend() returns. */
  set(legend) {
    const r = this.root;
    clear(r);
    const scale = el('span', 'legend-scale');
    scale.title = legend.help || '';
    if (legend.gradient) {
      const bar = el('i', 'legend-gradient');
      bar.style.background = `linear-gradient(to right, ${legend.gradient.join(', ')})`;
      scale.append(el('span', 'legend-title', legend.title), el('span', null, legend.min), bar, el('span', null, legend.max));
    } else {
      scale.append(el('span', 'legend-title', legend.title));
      for (const e of legend.entries || []) {
        const sw = el('i', 'sw');
        sw.style.background = e.colour;
        const item = el('span', 'legend-item');
        item.append(sw, el('span', null, e.label));
        item.title = e.label;
        scale.append(item);
      }
    }
    const key = el('span', 'legend-key');
    key.append(el('i', 'sw exact'), el('span', null, 'exact'), el('i', 'sw estimated'), el('span', null, 'estimated'));
    key.title = EXACT_LINE;
    const q = el('button', 'icon-btn legend-help', '?');
    q.type = 'button';
    q.setAttribute('aria-label', 'What exact and estimated mean');
    q.title = EXACT_LINE;
    q.addEventListener('mouseenter', () => this.openHelp(q));
    q.addEventListener('focus', () => this.openHelp(q));
    q.addEventListener('mouseleave', () => this.closeHelp());
    q.addEventListener('blur', () => this.closeHelp());
    q.addEventListener('click', () => (this.help ? this.closeHelp() : this.openHelp(q)));
    key.append(q);
    r.append(scale, key);
  }

  openHelp(anchor) {
    if (this.help) return;
    const panel = el('div', 'help-panel');
    panel.setAttribute('role', 'note');
    panel.append(el('div', 'help-title', 'Exact and estimated'));
    for (const p of HELP) panel.append(el('p', null, p));
    document.body.append(panel);
    const r = anchor.getBoundingClientRect();
    const w = panel.offsetWidth;
    const h = panel.offsetHeight;
    panel.style.left = `${Math.max(8, Math.min(r.right - w, innerWidth - w - 8))}px`;
    panel.style.top = `${Math.max(8, r.top - h - 6)}px`;
    this.help = panel;
  }

  closeHelp() {
    if (this.help) this.help.remove();
    this.help = null;
  }
}
