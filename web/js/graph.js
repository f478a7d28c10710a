// graph.js: draws a flattened call tree (see layout.js) on a canvas, as an
// icicle or a sunburst, and turns mouse positions back into items. It owns
// only the canvas; what a click or hover means is up to the callbacks.
// Names are drawn with fillText, never parsed as markup.

import { icicleRects, hitIcicle, sunburstArcs, hitSunburst, arcCentroid, levels, matches } from './layout.js';
import { colourFor, colourKey, neutralColour } from './colour.js';
import { formatTime } from './format.js';

export const ROW_HEIGHT = 20;
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';

export class Graph {
  /**
   * canvas: the <canvas>; scroller: its scrolling container (sets the size).
   * on: {click(index), hover(index, clientX, clientY), leave()}.
   */
  constructor(canvas, scroller, on) {
    this.canvas = canvas;
    this.scroller = scroller;
    this.on = on;
    this.items = [];
    this.view = 'icicle';
    this.query = '';
    this.focus = -1;
    this.hover = -1;
    this.geom = [];
    this.matchFlags = [];
    this.dark = matchMedia('(prefers-color-scheme: dark)');
    this.colours = new Map();
    this.pending = false;
    this.size = { w: 0, h: 0 };
    this.dark.addEventListener('change', () => {
      this.colours.clear();
      this.hatch = null;
      this.requestDraw();
    });
    new ResizeObserver(() => this.requestDraw()).observe(scroller);
    canvas.addEventListener('mousemove', (e) => this.onMove(e));
    canvas.addEventListener('mouseleave', () => {
      this.setHover(-1);
      this.on.leave();
    });
    canvas.addEventListener('click', (e) => {
      const i = this.hitAt(e.clientX, e.clientY);
      if (i >= 0) this.on.click(i);
    });
  }

  /** Replaces the tree shown; items from layout.flatten(). */
  setItems(items, view) {
    this.items = items;
    this.view = view;
    this.focus = items.length ? 0 : -1;
    this.hover = -1;
    this.computeMatches();
    this.drawNow();
  }

  setView(view) {
    this.view = view;
    this.drawNow();
  }

  setQuery(q) {
    this.query = q;
    this.computeMatches();
    this.requestDraw();
  }

  setFocus(i) {
    this.focus = i;
    this.requestDraw();
  }

  setHover(i) {
    if (i === this.hover) return;
    this.hover = i;
    this.requestDraw();
  }

  computeMatches() {
    this.matchFlags = this.items.map((it) => matches(it.node, this.query));
    this.matchCount = this.matchFlags.reduce((n, m) => n + (m ? 1 : 0), 0);
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.drawNow();
    });
  }

  colour(node) {
    if (node.id === -1) return neutralColour(this.dark.matches);
    const key = colourKey(node.file, node.name);
    const ck = key + '\u0000' + node.name;
    let c = this.colours.get(ck);
    if (!c) {
      c = colourFor(key, this.dark.matches, node.name);
      this.colours.set(ck, c);
    }
    return c;
  }

  cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  hatchPattern(ctx, dpr) {
    if (this.hatch && this.hatchDpr === dpr) return this.hatch;
    const n = Math.round(6 * dpr);
    const c = document.createElement('canvas');
    c.width = c.height = n;
    const g = c.getContext('2d');
    g.strokeStyle = this.cssVar('--canvas-hatch') || 'rgba(0,0,0,0.13)';
    g.lineWidth = 1.5 * dpr;
    g.beginPath();
    for (let k = -1; k <= 1; k++) {
      g.moveTo(k * n, n);
      g.lineTo(k * n + n, 0);
    }
    g.stroke();
    this.hatch = ctx.createPattern(c, 'repeat');
    this.hatch.setTransform(new DOMMatrix().scale(1 / dpr));
    this.hatchDpr = dpr;
    return this.hatch;
  }

  /** Draws at once and records the profviz:drawn mark (and a profviz:draw measure of its cost). */
  drawNow() {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const w = this.scroller.clientWidth;
    const avail = this.scroller.clientHeight;
    let h = avail;
    if (this.view === 'icicle') h = Math.max(avail, levels(this.items) * ROW_HEIGHT + 4);
    if (w <= 0 || h <= 0) return;
    const cw = Math.round(w * dpr);
    const ch = Math.round(h * dpr);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
      this.canvas.style.height = h + 'px';
    }
    this.size = { w, h };
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    this.theme = {
      text: this.cssVar('--canvas-text') || '#000',
      line: this.cssVar('--canvas-line') || '#fff',
      focus: this.cssVar('--canvas-focus') || '#000',
      match: this.cssVar('--canvas-match') || '#d00',
      hatch: this.hatchPattern(ctx, dpr),
      charW: ctx.measureText('abcdefghijklmnopqrstuvwxyz_.()<>').width / 32,
    };
    if (this.view === 'icicle') this.drawIcicle(ctx, w);
    else this.drawSunburst(ctx, w, h);
    performance.mark('profviz:drawn');
    performance.measure('profviz:draw', { start: t0 });
    if (performance.getEntriesByName('profviz:draw').length > 500) performance.clearMeasures('profviz:draw');
  }

  fits(text, px) {
    const n = Math.floor(px / this.theme.charW);
    if (n >= text.length) return text;
    if (n < 4) return '';
    return text.slice(0, n - 1) + '…';
  }

  drawIcicle(ctx, w) {
    const rects = icicleRects(this.items, w, ROW_HEIGHT);
    this.geom = rects;
    const searching = !!this.query;
    const t = this.theme;
    for (let i = 0; i < rects.length; i++) {
      const r = rects[i];
      if (!r) continue;
      const node = this.items[i].node;
      const dim = searching && !this.matchFlags[i];
      ctx.globalAlpha = dim ? 0.28 : 1;
      ctx.fillStyle = this.colour(node);
      const bw = Math.max(r.w - 1, 0.5);
      ctx.fillRect(r.x, r.y, bw, r.h - 1);
      if (!node.exact) {
        ctx.fillStyle = t.hatch;
        ctx.fillRect(r.x, r.y, bw, r.h - 1);
      }
      if (i === this.hover) {
        ctx.fillStyle = 'rgba(255,255,255,0.28)';
        ctx.fillRect(r.x, r.y, bw, r.h - 1);
      }
      if (node.more && r.w > 6) {
        // children left out by the depth limit: a small notch at the bottom edge
        ctx.fillStyle = t.text;
        ctx.globalAlpha = dim ? 0.15 : 0.45;
        ctx.fillRect(r.x, r.y + r.h - 3, Math.min(bw, 12), 2);
        ctx.globalAlpha = dim ? 0.28 : 1;
      }
      if (r.w > 28) {
        const label = this.fits(`${node.name} (${formatTime(node.time)})`, r.w - 8);
        if (label) {
          ctx.fillStyle = t.text;
          ctx.fillText(label, r.x + 4, r.y + r.h / 2);
        }
      }
    }
    ctx.globalAlpha = 1;
    if (searching) {
      ctx.strokeStyle = t.match;
      ctx.lineWidth = 2;
      for (let i = 0; i < rects.length; i++) {
        const r = rects[i];
        if (r && this.matchFlags[i] && r.w >= 3) ctx.strokeRect(r.x + 1, r.y + 1, r.w - 3, r.h - 3);
      }
    }
    const f = rects[this.focus];
    if (f && document.activeElement === this.canvas) {
      ctx.strokeStyle = t.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(f.x + 1, f.y + 1, Math.max(f.w - 3, 1), f.h - 3);
    }
  }

  drawSunburst(ctx, w, h) {
    const radius = Math.max(10, Math.min(w, h) / 2 - 8);
    const cx = w / 2;
    const cy = h / 2;
    this.centre = { x: cx, y: cy };
    const arcs = sunburstArcs(this.items, radius);
    this.geom = arcs;
    const searching = !!this.query;
    const t = this.theme;
    ctx.lineWidth = 1;
    ctx.strokeStyle = t.line;
    for (let i = 0; i < arcs.length; i++) {
      const a = arcs[i];
      if (!a) continue;
      const node = this.items[i].node;
      ctx.globalAlpha = searching && !this.matchFlags[i] ? 0.28 : 1;
      ctx.beginPath();
      if (a.r0 === 0) ctx.arc(cx, cy, a.r1, 0, 2 * Math.PI);
      else {
        ctx.arc(cx, cy, a.r1, a.a0, a.a1);
        ctx.arc(cx, cy, a.r0, a.a1, a.a0, true);
        ctx.closePath();
      }
      ctx.fillStyle = this.colour(node);
      ctx.fill();
      if (!node.exact) {
        ctx.fillStyle = t.hatch;
        ctx.fill();
      }
      if (i === this.hover) {
        ctx.fillStyle = 'rgba(255,255,255,0.28)';
        ctx.fill();
      }
      ctx.stroke();
      if (searching && this.matchFlags[i]) {
        ctx.save();
        ctx.strokeStyle = t.match;
        ctx.lineWidth = 2;
        ctx.stroke();
        ctx.restore();
      }
      if (i === this.focus && document.activeElement === this.canvas) {
        ctx.save();
        ctx.strokeStyle = t.focus;
        ctx.lineWidth = 2;
        ctx.stroke();
        ctx.restore();
      }
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = t.text;
    ctx.textAlign = 'center';
    for (let i = 0; i < arcs.length; i++) {
      const a = arcs[i];
      if (!a) continue;
      const node = this.items[i].node;
      if (a.r0 === 0) {
        const name = this.fits(node.name, a.r1 * 1.7);
        if (name) ctx.fillText(name, cx, cy - 7);
        ctx.fillText(formatTime(node.time), cx, cy + 8);
        continue;
      }
      const mid = (a.a0 + a.a1) / 2;
      const rm = (a.r0 + a.r1) / 2;
      const thick = a.r1 - a.r0;
      const span = (a.a1 - a.a0) * rm;
      let rot;
      let label;
      if (span >= 48 && thick >= 14) {
        // along the ring, upright
        label = this.fits(node.name, span - 10);
        rot = mid + Math.PI / 2;
        if (Math.sin(mid) > 0) rot += Math.PI;
      } else if (span >= 11 && thick >= 34) {
        // across the ring, along the radius
        label = this.fits(node.name, thick - 8);
        rot = mid;
        if (Math.cos(mid) < 0) rot += Math.PI;
      }
      if (!label) continue;
      ctx.save();
      ctx.translate(cx + Math.cos(mid) * rm, cy + Math.sin(mid) * rm);
      ctx.rotate(rot);
      ctx.fillText(label, 0, 0);
      ctx.restore();
    }
    ctx.textAlign = 'start';
  }

  /** The item under a point in client coordinates, or -1. */
  hitAt(clientX, clientY) {
    const b = this.canvas.getBoundingClientRect();
    const x = clientX - b.left;
    const y = clientY - b.top;
    if (this.view === 'icicle') return hitIcicle(this.geom, x, y);
    return hitSunburst(this.geom, x - this.centre.x, y - this.centre.y);
  }

  onMove(e) {
    const i = this.hitAt(e.clientX, e.clientY);
    this.setHover(i);
    if (i >= 0) this.on.hover(i, e.clientX, e.clientY);
    else this.on.leave();
  }

  /** Visible boxes in page coordinates: [{index, x, y, width, height}]. */
  pageBoxes() {
    const b = this.canvas.getBoundingClientRect();
    const s = this.scroller.getBoundingClientRect();
    const ox = b.left + window.scrollX;
    const oy = b.top + window.scrollY;
    const out = [];
    for (let i = 0; i < this.geom.length; i++) {
      const g = this.geom[i];
      if (!g) continue;
      if (this.view === 'icicle') {
        if (g.w < 2) continue;
        const top = b.top + g.y;
        if (top + g.h <= s.top || top >= s.bottom) continue; // scrolled out of sight
        out.push({ index: i, x: ox + g.x, y: oy + g.y, width: g.w - 1, height: g.h - 1 });
      } else {
        const c = arcCentroid(g);
        const size = Math.max(2, Math.min(g.r1 - g.r0, (g.a1 - g.a0) * ((g.r0 + g.r1) / 2)) / 3);
        if (g.r0 > 0 && (g.a1 - g.a0) * ((g.r0 + g.r1) / 2) < 3) continue;
        out.push({
          index: i,
          x: ox + this.centre.x + c.x - size / 2,
          y: oy + this.centre.y + c.y - size / 2,
          width: size,
          height: size,
        });
      }
    }
    return out;
  }

  /** Client rectangle of item i (for placing the keyboard tooltip), or null. */
  clientRect(i) {
    const g = this.geom[i];
    if (!g) return null;
    const b = this.canvas.getBoundingClientRect();
    if (this.view === 'icicle') return { x: b.left + g.x, y: b.top + g.y, w: g.w, h: g.h };
    const c = arcCentroid(g);
    return { x: b.left + this.centre.x + c.x, y: b.top + this.centre.y + c.y, w: 0, h: 0 };
  }
}
