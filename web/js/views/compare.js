// views/compare.js: two runs of a program in one icicle (a differential
// flame graph). The boxes are the shown profile's tree (NEW's, or BASE's
// when side is "base"), sized by its times; each is coloured by the change
// from BASE to NEW at the same place (GET /api/compare/tree): red where NEW is
// slower, blue where it is faster, neutral within the threshold, striped
// where the other run has no such place (new code in NEW's tree, code gone
// in BASE's). A change where either time is an estimate is drawn pale: it is
// a difference of estimates. Geometry, zoom and drawing are the icicle's.

import { IcicleView } from './icicle.js';
import { formatTime, formatPercent } from '../format.js';
import { el } from '../dom.js';

const RED = 4; // hue of "slower"
const BLUE = 214; // hue of "faster"

/**
 * The comparison entry of a node: {time, other, otherExact, change, uncertain}
 * where time is the shown tree's, other the other run's time there (null
 * when it has none) and change NEW - BASE. relChange is the change as a
 * fraction of BASE's time (Infinity from zero).
 */
export function relChange(entry, side) {
  if (!entry || entry.other === null) return null;
  const base = side === 'base' ? entry.time : entry.other;
  if (base > 0) return entry.change / base;
  return entry.change > 0 ? Infinity : entry.change < 0 ? -Infinity : 0;
}

/**
 * The colour of a node: 'new-code' for a place the other run lacks, else a
 * CSS colour. threshold: the neutral band in percent. Pure, unit-tested.
 */
export function changeColour(entry, side, threshold, dark) {
  if (!entry) return dark ? 'hsl(220, 6%, 36%)' : 'hsl(220, 8%, 80%)';
  if (entry.other === null) return 'new-code';
  const r = relChange(entry, side);
  const sat = entry.uncertain ? 28 : 78;
  if (Math.abs(r) * 100 < threshold) return dark ? 'hsl(220, 6%, 42%)' : 'hsl(220, 10%, 86%)';
  // intensity: from the threshold to +100% (or -100%) and beyond
  const t = Math.min(1, Math.max(0.15, (Math.abs(r) * 100 - threshold) / Math.max(1, 100 - threshold)));
  const hue = r > 0 ? RED : BLUE;
  const light = dark ? 30 + 18 * t : 86 - 34 * t;
  return `hsl(${hue}, ${sat}%, ${light.toFixed(1)}%)`;
}

/** The comparison tree as a Map from a node's path ("1,4,7") to its entry. */
export function indexCompareTree(tree, side) {
  const map = new Map();
  const other = side === 'base' ? 'new' : 'base';
  const walk = (node, path) => {
    const o = node[other];
    map.set(path.join(','), {
      time: node.time,
      exact: node.exact,
      other: o ? o.time : null,
      otherExact: o ? o.exact : null,
      change: node.change,
      uncertain: node.uncertain,
    });
    for (const c of node.children || []) walk(c, path.concat(c.id));
  };
  walk(tree.root, tree.path || []);
  return map;
}

/** The tooltip lines of a node's comparison (elements). */
export function compareTip(entry, side) {
  const rows = el('table', 'tt-compare');
  const row = (k, v, tag) => {
    const tr = el('tr');
    const td = el('td', null, v);
    if (tag) td.append(el('span', `tag ${tag}`, tag));
    tr.append(el('td', null, k), td);
    rows.append(tr);
  };
  if (!entry) {
    row('comparison', 'not loaded');
    return rows;
  }
  const [bt, bx, nt, nx] = side === 'base' ? [entry.time, entry.exact, entry.other, entry.otherExact] : [entry.other, entry.otherExact, entry.time, entry.exact];
  row('BASE here', bt === null ? 'no such place' : formatTime(bt), bt === null ? '' : bx ? 'exact' : 'estimated');
  row('NEW here', nt === null ? 'no such place' : formatTime(nt), nt === null ? '' : nx ? 'exact' : 'estimated');
  if (entry.other === null) {
    row('change', side === 'base' ? 'gone in NEW' : 'new code');
  } else {
    const r = relChange(entry, side);
    const pct = Number.isFinite(r) ? ` (${r >= 0 ? '+' : ''}${formatPercent(r)})` : ' (from zero)';
    row('change', `${entry.change >= 0 ? '+' : '−'}${formatTime(Math.abs(entry.change))}${pct}`, entry.uncertain ? 'uncertain' : '');
  }
  return rows;
}

let stripes = null;
/** The striped fill of "no such place in the other run" (a CanvasPattern). */
function newCodePattern(dark) {
  if (stripes && stripes.dark === dark) return stripes.pattern;
  const c = document.createElement('canvas');
  c.width = c.height = 8;
  const g = c.getContext('2d');
  g.fillStyle = dark ? '#5a4a12' : '#fbe7a1';
  g.fillRect(0, 0, 8, 8);
  g.strokeStyle = dark ? '#e0b437' : '#b8860b';
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(-2, 10);
  g.lineTo(10, -2);
  g.moveTo(6, 10);
  g.lineTo(10, 6);
  g.moveTo(-2, 2);
  g.lineTo(2, -2);
  g.stroke();
  stripes = { dark, pattern: g.createPattern(c, 'repeat') };
  return stripes.pattern;
}

export const STRIPES_CSS = 'repeating-linear-gradient(135deg, #b8860b 0 2px, #fbe7a1 2px 5px)';

export class CompareView extends IcicleView {
  layout(model, width, height, env) {
    this.extra = model.extra;
    super.layout(model, width, height, env);
  }

  colour(item, { dark }) {
    const x = this.extra;
    if (!x) return changeColour(null, 'new', 0, dark);
    const c = changeColour(x.map.get(item.path.join(',')), x.side, x.threshold, dark);
    return c === 'new-code' ? newCodePattern(dark) : c;
  }

  legend(model, { dark }) {
    const x = model.extra || { side: 'new', threshold: 5 };
    const th = x.threshold;
    const entry = (side, threshold, change, other, uncertain) => changeColour({ time: 1, other, change, uncertain }, side, threshold, dark);
    return {
      title: x.side === 'base' ? "BASE's tree, change to NEW:" : "NEW's tree, change from BASE:",
      help:
        'Box widths are the shown run\'s times. Red: NEW is slower at that place; blue: faster; grey: within ±' +
        `${th}% (the threshold). Striped: the other run has no such place. Pale: the change is uncertain, because ` +
        'one of the two times is an estimate (pstats keeps caller→callee totals, not call stacks): estimates are compared with estimates.',
      entries: [
        { colour: entry('new', th, 1, 1, false), label: '+100% or more' },
        { colour: entry('new', th, 0.3, 1, false), label: 'slower' },
        { colour: entry('new', th, 0, 1, false), label: `within ±${th}%` },
        { colour: entry('new', th, -0.3, 1, false), label: 'faster' },
        { colour: entry('new', th, -1, 1, false), label: '−100%' },
        { colour: STRIPES_CSS, label: x.side === 'base' ? 'gone in NEW' : 'new code' },
        { colour: entry('new', th, 1, 1, true), label: 'pale: uncertain (an estimate on either side)' },
      ],
    };
  }
}

export default {
  name: 'compare',
  label: 'Compare',
  create: () => new CompareView(),
  /** The comparison tree for the same place, depth and cutoff as the tree. */
  data: async (store, s, opts) => {
    if (!s.base) return null;
    const t = await store.compareTree(s, opts || { path: s.path, depth: 10, cutoff: s.cutoff });
    return { map: indexCompareTree(t, s.side), side: s.side, threshold: s.threshold, otherPath: t.other_path };
  },
};
