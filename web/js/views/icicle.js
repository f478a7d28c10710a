// views/icicle.js: the call tree as an icicle: the view root is the top row,
// each level one row below, a box as wide as its time. Wheel zooms around
// the pointer and drag (or a horizontal wheel) pans, speedscope-style; the
// zoom is a window [x0, x1) on the view root's time and resets when the view
// root changes. Implements the view interface of views/index.js.

import { levels, HIDDEN, itemName } from '../layout.js';
import { formatTime } from '../format.js';
import { ROW_HEIGHT, icicleDepth } from '../plan.js';

export { ROW_HEIGHT };
const PAD = 4; // text inset in a box
const MIN_SPAN = 1e-7; // deepest zoom, as a fraction of the view root

export class IcicleView {
  constructor() {
    this.zoom = { x0: 0, x1: 1 };
    this.rects = [];
    this.labelList = [];
    this.items = [];
    this.width = 0;
  }

  /** Canvas height in CSS pixels: the pane, or more when the tree is deeper. */
  height(items, width, paneHeight) {
    return Math.max(paneHeight, levels(items) * ROW_HEIGHT + 4);
  }

  /** Levels below the view root that fit in a pane this tall. */
  fitDepth(paneHeight) {
    return icicleDepth(paneHeight);
  }

  /** A new tree: the zoom goes back to the whole view root. */
  reset() {
    this.zoom = { x0: 0, x1: 1 };
  }

  /**
   * Places every item: this.rects[i] is {x, y, w, h} in canvas CSS pixels
   * (null when off screen or narrower than half a pixel), and the labels
   * that fit. env.measure(text) gives a text's width in pixels.
   */
  layout(model, width, height, env) {
    this.items = model.items;
    this.width = width;
    const { x0, x1 } = this.zoom;
    const scale = width / (x1 - x0);
    this.rects = model.items.map((it) => {
      const x = (it.x0 - x0) * scale;
      const w = (it.x1 - it.x0) * scale;
      if (w < 0.5 || x + w <= 0 || x >= width) return null;
      return { x, y: it.depth * ROW_HEIGHT, w, h: ROW_HEIGHT };
    });
    this.labelList = [];
    for (let i = 0; i < this.rects.length; i++) {
      const r = this.rects[i];
      if (!r) continue;
      const left = Math.max(r.x, 0);
      const right = Math.min(r.x + r.w, width);
      const room = right - left - 2 * PAD;
      if (room < 14) continue;
      const text = fitText(labelTexts(model.items[i]), room, env.measure);
      if (!text) continue;
      const tw = env.measure(text);
      this.labelList.push({ index: i, text, x: left + PAD, y: r.y + r.h / 2, width: tw, height: 12 });
    }
  }

  /**
   * Draws the laid-out items. paint: see chart.js. The hatching of every box
   * goes into one path per pattern and alpha, filled once after the boxes'
   * colours and before their marks (boxes never overlap, so the pixels are
   * those of drawing box after box): a pattern fill per box cost Chromium's
   * software raster 20-45 ms for the 1,300 hatched boxes of a 20,000-function
   * profile's first picture, one per path some 4 ms.
   */
  draw(ctx, paint) {
    const hatching = new Map();
    for (let i = 0; i < this.rects.length; i++) if (this.rects[i]) this.drawFill(ctx, i, paint, hatching);
    for (const { style, alpha, path } of hatching.values()) {
      ctx.globalAlpha = alpha;
      ctx.fillStyle = style;
      ctx.fill(path);
    }
    for (let i = 0; i < this.rects.length; i++) if (this.rects[i]) this.drawBoxMarks(ctx, i, paint);
    ctx.globalAlpha = 1;
    ctx.fillStyle = paint.theme.text;
    ctx.textBaseline = 'middle';
    for (const l of this.labelList) this.drawLabel(ctx, l, paint);
    ctx.globalAlpha = 1;
    if (paint.searching) {
      ctx.strokeStyle = paint.theme.match;
      ctx.lineWidth = 2;
      for (let i = 0; i < this.rects.length; i++) this.drawMatch(ctx, i, paint);
    }
    this.drawFocus(ctx, paint);
  }

  /**
   * Draws only what hover and focus change, over a copy of draw()'s picture
   * made with no hover and no focus (chart.js keeps it): the hovered box
   * again, whole, clipped to itself, and the focus outline.
   */
  drawMarks(ctx, paint) {
    const r = this.rects[paint.hover];
    if (paint.hover >= 0 && r) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(r.x, r.y, Math.max(r.w - 1, 0.5), r.h - 1);
      ctx.clip();
      this.drawBox(ctx, paint.hover, paint);
      ctx.globalAlpha = 1;
      ctx.fillStyle = paint.theme.text;
      ctx.textBaseline = 'middle';
      const l = this.labelList.find((x) => x.index === paint.hover);
      if (l) this.drawLabel(ctx, l, paint);
      ctx.globalAlpha = 1;
      if (paint.searching) {
        ctx.strokeStyle = paint.theme.match;
        ctx.lineWidth = 2;
        this.drawMatch(ctx, paint.hover, paint);
      }
      ctx.restore();
    }
    this.drawFocus(ctx, paint);
  }

  /** Box i: its fill, hatching, marks and the hover highlight. */
  drawBox(ctx, i, paint) {
    this.drawFill(ctx, i, paint, null);
    this.drawBoxMarks(ctx, i, paint);
  }

  /**
   * Box i's colour, and its hatching (hidden remainders, estimated times):
   * drawn at once, or, given hatching (a Map), added to its path there for
   * the caller to fill.
   */
  drawFill(ctx, i, paint, hatching) {
    const t = paint.theme;
    const r = this.rects[i];
    const it = this.items[i];
    const alpha = paint.searching && !paint.matchFlags[i] ? 0.28 : 1;
    ctx.globalAlpha = alpha;
    const bw = Math.max(r.w - 1, 0.5);
    const bh = r.h - 1;
    ctx.fillStyle = paint.colour(it);
    ctx.fillRect(r.x, r.y, bw, bh);
    const style = it.kind === HIDDEN ? t.hiddenHatch : it.node.exact ? null : t.hatch;
    if (!style) return;
    if (!hatching) {
      ctx.fillStyle = style;
      ctx.fillRect(r.x, r.y, bw, bh);
      return;
    }
    const key = (style === t.hatch ? 'e' : 'h') + alpha;
    let h = hatching.get(key);
    if (!h) hatching.set(key, (h = { style, alpha, path: new Path2D() }));
    h.path.rect(r.x, r.y, bw, bh);
  }

  /** Box i's marks over its fill: re-entry outline, folded chain, hover highlight, notch. */
  drawBoxMarks(ctx, i, paint) {
    const t = paint.theme;
    const r = this.rects[i];
    const it = this.items[i];
    const node = it.node;
    const dim = paint.searching && !paint.matchFlags[i];
    const bw = Math.max(r.w - 1, 0.5);
    const bh = r.h - 1;
    if (node.reentry && bw > 3) {
      // a re-entry: a dashed outline in the text colour
      ctx.save();
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = t.text;
      ctx.globalAlpha = dim ? 0.2 : 0.7;
      ctx.lineWidth = 1;
      ctx.strokeRect(r.x + 0.5, r.y + 0.5, bw - 1, bh - 1);
      ctx.restore();
    }
    if (it.chain.length > 1 && bw > 6) {
      // folded chain: a double bar on the left edge
      ctx.fillStyle = t.text;
      ctx.globalAlpha = dim ? 0.15 : 0.55;
      ctx.fillRect(r.x + 1, r.y + 2, 1.5, bh - 4);
      ctx.fillRect(r.x + 4, r.y + 2, 1.5, bh - 4);
    }
    if (i === paint.hover) {
      ctx.globalAlpha = 1;
      ctx.fillStyle = 'rgba(255,255,255,0.28)';
      ctx.fillRect(r.x, r.y, bw, bh);
    }
    const last = it.chain[it.chain.length - 1];
    if (last.more && !last.hidden && r.w > 6) {
      // children left out by the depth limit (older servers): a notch at the bottom edge
      ctx.fillStyle = t.text;
      ctx.globalAlpha = dim ? 0.15 : 0.45;
      ctx.fillRect(Math.max(r.x, 0), r.y + r.h - 3, Math.min(bw, 12), 2);
    }
  }

  /** A label (fill style and baseline set by the caller). */
  drawLabel(ctx, l, paint) {
    ctx.globalAlpha = paint.searching && !paint.matchFlags[l.index] ? 0.45 : 1;
    ctx.fillText(l.text, l.x, l.y);
  }

  /** The outline of box i when it matches the search (stroke style set by the caller). */
  drawMatch(ctx, i, paint) {
    const r = this.rects[i];
    if (r && paint.matchFlags[i] && r.w >= 3) ctx.strokeRect(r.x + 1, r.y + 1, r.w - 3, r.h - 3);
  }

  drawFocus(ctx, paint) {
    const f = this.rects[paint.focus];
    if (f && paint.focused) {
      ctx.strokeStyle = paint.theme.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(f.x + 1, f.y + 1, Math.max(f.w - 3, 1), f.h - 3);
    }
  }

  /** The item at canvas point (x, y), or -1. */
  hitTest(x, y) {
    const rects = this.rects;
    for (let i = rects.length - 1; i >= 0; i--) {
      const r = rects[i];
      if (r && x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) return i;
    }
    return -1;
  }

  /** Visible boxes, in canvas coordinates, clipped to the canvas: [{index, x, y, width, height}]. */
  boxes() {
    const out = [];
    for (let i = 0; i < this.rects.length; i++) {
      const r = this.rects[i];
      if (!r) continue;
      const x = Math.max(0, r.x);
      const w = Math.min(r.x + r.w, this.width) - x;
      if (w < 2) continue;
      out.push({ index: i, x, y: r.y, width: w - 1, height: r.h - 1 });
    }
    return out;
  }

  /** Labels drawn, in canvas coordinates: [{index, text, cx, cy, width, height, angle}]. */
  labels() {
    return this.labelList.map((l) => ({ index: l.index, text: l.text, cx: l.x + l.width / 2, cy: l.y, width: l.width, height: l.height, angle: 0 }));
  }

  /** Where item i is, for placing a tooltip: {x, y, w, h} or null. */
  rectOf(i) {
    return this.rects[i] || null;
  }

  /** Zooms by factor (below 1 zooms in) around canvas x. Returns true when the zoom changed. */
  zoomAt(x, factor) {
    const { x0, x1 } = this.zoom;
    const span = x1 - x0;
    const f = x0 + (x / (this.width || 1)) * span;
    const next = Math.min(1, Math.max(MIN_SPAN, span * factor));
    let n0 = f - (x / (this.width || 1)) * next;
    n0 = Math.min(Math.max(0, n0), 1 - next);
    if (n0 === x0 && n0 + next === x1) return false;
    this.zoom = { x0: n0, x1: n0 + next };
    return true;
  }

  /** Pans by dx canvas pixels (positive moves the picture right). Returns true when it moved. */
  panBy(dx) {
    const { x0, x1 } = this.zoom;
    const span = x1 - x0;
    const n0 = Math.min(Math.max(0, x0 - (dx / (this.width || 1)) * span), 1 - span);
    if (n0 === x0) return false;
    this.zoom = { x0: n0, x1: n0 + span };
    return true;
  }

  zoomed() {
    return this.zoom.x1 - this.zoom.x0 < 1;
  }
}

/** Texts to try for an item's label, longest first. */
export function labelTexts(it) {
  const node = it.node;
  if (it.kind === HIDDEN) return [`… ${node.count} hidden (${formatTime(node.time)})`, '…'];
  const mark = node.reentry ? '↻ ' : '';
  const time = ` (${formatTime(node.time)})`;
  if (it.chain.length > 1) {
    const a = it.chain[0].name;
    const z = it.chain[it.chain.length - 1].name;
    return [`${mark}${a} › … › ${z}${time}`, `${mark}${a} › … › ${z}`, `${mark}${itemName(it)}`, `${mark}${a}`];
  }
  return [`${mark}${node.name}${time}`, `${mark}${node.name}`];
}

/**
 * The first text that fits in px, else the last one cut with an ellipsis
 * (at least 3 characters kept), else ''. The cut is the longest prefix that
 * fits with its ellipsis, looked for from where the text's average
 * character width puts it, a character at a time: two or three
 * measurements where halving the length took seven (measuring text is most
 * of a first layout's work).
 */
export function fitText(texts, px, measure) {
  let width = 0;
  for (const t of texts) {
    width = measure(t);
    if (width <= px) return t;
  }
  const t = texts[texts.length - 1];
  const fits = (k) => measure(t.slice(0, k) + '…') <= px;
  // t itself does not fit, so neither does t with an ellipsis: k < t.length
  let k = Math.max(3, Math.min(t.length - 1, Math.floor((px / width) * t.length)));
  if (k >= t.length) return '';
  if (fits(k)) {
    while (k + 1 < t.length && fits(k + 1)) k++;
    return t.slice(0, k) + '…';
  }
  while (--k >= 3) if (fits(k)) return t.slice(0, k) + '…';
  return '';
}

export default {
  name: 'icicle',
  label: 'Icicle',
  create: () => new IcicleView(),
};
