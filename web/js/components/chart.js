// components/chart.js: the canvas that shows the current view. It owns the
// canvas, its size and pixel ratio, the colours (by module or by own time),
// hover and keyboard focus, wheel zoom and drag pan, and hands geometry and
// drawing to the view object (views/*.js). What a click or hover means is
// up to the callbacks. Names are drawn with fillText, never parsed as markup.

import { colourFor, colourKey, neutralColour, heatColour, heatStops, topModules } from '../colour.js';
import { itemMatches, HIDDEN } from '../layout.js';
import { formatTime } from '../format.js';

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';
const DRAG_START = 4; // pixels the pointer moves before a press becomes a drag

/** A function's own time for the heat scale: its tottime, or what the branch keeps for itself. */
export function ownTime(it) {
  const n = it.node;
  if (typeof n.tottime === 'number') return n.tottime;
  let kids = 0;
  for (const c of n.children || []) kids += c.time;
  if (n.hidden) kids += n.hidden.time;
  return Math.max(0, n.time - kids);
}

export class Chart {
  /**
   * root: the element holding a <canvas> and its scrolling container
   * (.graph-scroll). on: {click(index), hover(index, clientX, clientY), leave(), zoom()}.
   */
  constructor(root, on) {
    this.root = root;
    this.canvas = root.querySelector('canvas');
    this.scroller = root.querySelector('.graph-scroll');
    this.on = on;
    this.view = null;
    this.viewName = '';
    this.model = { items: [], extra: null, root: null };
    this.query = '';
    this.colourMode = 'module';
    this.focus = -1;
    this.hover = -1;
    this.matchFlags = [];
    this.matchCount = 0;
    this.dark = matchMedia('(prefers-color-scheme: dark)');
    this.colours = new Map(); // file -> name -> fill colour (this theme's)
    this.pending = false;
    this.drawn = false; // the last draw put boxes on the canvas
    this.drawnOnce = false; // a tree has been drawn (or cleared) once
    this.layoutEpoch = 0; // bumped when the layout must be redone for the same model and size
    this.fileKeys = new Map(); // file -> colourKey
    this.dark.addEventListener('change', () => {
      this.colours.clear();
      this.hatch = null;
      this.requestDraw();
    });
    new ResizeObserver(() => this.requestDraw()).observe(this.scroller);
    this.listen();
  }

  /** Switches to a view descriptor of views/index.js (keeps the model). */
  setView(desc) {
    if (this.viewName === desc.name) return;
    this.viewName = desc.name;
    this.desc = desc;
    this.view = desc.create();
    this.laidOut = null;
    this.drawNow();
  }

  /** A new tree to show: model {items, extra, root}. */
  setModel(model) {
    this.model = model;
    this.focus = model.items.length ? 0 : -1;
    this.hover = -1;
    this.legendModel = null;
    if (this.view) this.view.reset();
    this.computeMatches();
    this.drawNow();
  }

  setQuery(q) {
    if (q === this.query) return; // every state change sets it: no redraw for nothing
    this.query = q;
    this.computeMatches();
    this.requestDraw();
  }

  setColourMode(mode) {
    if (mode === this.colourMode) return;
    this.colourMode = mode;
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
    this.matchFlags = this.model.items.map((it) => itemMatches(it, this.query));
    this.matchCount = this.matchFlags.reduce((n, m) => n + (m ? 1 : 0), 0);
  }

  /** Levels below the view root that fill the pane in the current view. */
  fitDepth() {
    const h = this.scroller.clientHeight || Math.max(200, innerHeight - 360);
    return this.view ? this.view.fitDepth(h, this.scroller.clientWidth || innerWidth) : 12;
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.drawNow();
    });
  }

  // ---- colours -------------------------------------------------------------

  colourOf(it) {
    const dark = this.darkNow === undefined ? this.dark.matches : this.darkNow;
    if (this.view && this.view.colour) return this.view.colour(it, { dark });
    const node = it.node;
    if (it.kind === HIDDEN) return dark ? 'hsl(220, 6%, 36%)' : 'hsl(220, 8%, 78%)';
    if (node.id === -1) return neutralColour(dark);
    if (this.colourMode === 'self') return heatColour(ownTime(it) / (this.maxOwn || 1), dark);
    // by file, then name: the strings of one function are shared by all its
    // nodes (treeform.js), so these lookups hash nothing new; keyed by the
    // node, a first picture hashed 1,500 new objects and as many joined keys
    let names = this.colours.get(node.file);
    if (!names) this.colours.set(node.file, (names = new Map()));
    let c = names.get(node.name);
    if (c) return c;
    // a module's key comes from its file alone (built-ins: from the name)
    let key = node.file && node.file !== '~' ? this.fileKeys.get(node.file) : undefined;
    if (key === undefined) {
      key = colourKey(node.file, node.name);
      if (node.file && node.file !== '~') this.fileKeys.set(node.file, key);
    }
    c = colourFor(key, dark, node.name);
    names.set(node.name, c);
    return c;
  }

  /** What the legend shows for the current view and colour mode. */
  legend() {
    const dark = this.dark.matches;
    if (this.view && this.view.legend) return this.view.legend(this.model, { dark });
    if (this.colourMode === 'self') {
      return {
        title: 'own time',
        help: "Colour: the function's own time (tottime, measured), from none to the largest in view",
        gradient: heatStops(dark),
        min: '0',
        max: formatTime(this.maxOwn || 0),
      };
    }
    const entries = topModules(this.model.items).map((m) => ({ colour: colourFor(m.key, dark), label: m.key.replace(/^builtin:?/, 'built-in ').trim() }));
    return { title: 'modules', help: 'Colour: the module (file) of each function; the modules with the most time in view', entries };
  }

  cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  pattern(ctx, dpr, colourVar, fallback, dir) {
    const n = Math.round(6 * dpr);
    const c = document.createElement('canvas');
    c.width = c.height = n;
    const g = c.getContext('2d');
    g.strokeStyle = this.cssVar(colourVar) || fallback;
    g.lineWidth = 1.5 * dpr;
    g.beginPath();
    for (let k = -1; k <= 1; k++) {
      if (dir > 0) {
        g.moveTo(k * n, n);
        g.lineTo(k * n + n, 0);
      } else {
        g.moveTo(k * n, 0);
        g.lineTo(k * n + n, n);
      }
    }
    g.stroke();
    const p = ctx.createPattern(c, 'repeat');
    p.setTransform(new DOMMatrix().scale(1 / dpr));
    return p;
  }

  // ---- drawing -------------------------------------------------------------

  /** Draws at once; records profviz:drawn (and a profviz:draw measure) only when boxes were drawn. */
  drawNow() {
    if (!this.view) return;
    // before the first tree there is nothing to draw: reading the pane's size
    // would lay the page out for nothing while the tree is on its way
    if (!this.model.root && !this.drawnOnce) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const w = this.scroller.clientWidth;
    const avail = this.scroller.clientHeight;
    const items = this.model.items;
    const h = this.view.height(items, w, avail);
    if (w <= 0 || h <= 0) return;
    const cw = Math.round(w * dpr);
    const ch = Math.round(h * dpr);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
      this.canvas.style.height = h + 'px';
    }
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    if (!this.hatch || this.hatchDpr !== dpr) {
      this.hatch = this.pattern(ctx, dpr, '--canvas-hatch', 'rgba(0,0,0,0.13)', 1);
      this.hiddenHatch = this.pattern(ctx, dpr, '--canvas-hidden', 'rgba(0,0,0,0.2)', -1);
      this.hatchDpr = dpr;
    }
    let maxOwn = 0;
    for (const it of items) if (it.kind !== HIDDEN && it.node.id >= 0) maxOwn = Math.max(maxOwn, ownTime(it));
    this.maxOwn = maxOwn;
    const theme = {
      text: this.cssVar('--canvas-text') || '#000',
      line: this.cssVar('--canvas-line') || '#fff',
      focus: this.cssVar('--canvas-focus') || '#000',
      match: this.cssVar('--canvas-match') || '#d00',
      hatch: this.hatch,
      hiddenHatch: this.hiddenHatch,
    };
    const cache = new Map();
    const measure = (s) => {
      let v = cache.get(s);
      if (v === undefined) {
        v = ctx.measureText(s).width;
        cache.set(s, v);
      }
      return v;
    };
    // a hover or focus change redraws without laying out again
    const key = [this.model, w, h, this.layoutEpoch, this.view.zoom ? `${this.view.zoom.x0},${this.view.zoom.x1}` : ''];
    if (!this.laidOut || key.some((k, i) => k !== this.laidOut[i])) {
      this.view.layout(this.model, w, h, { measure });
      this.laidOut = key;
    }
    this.darkNow = this.dark.matches; // one media query read per draw, not one per box
    const paint = {
      theme,
      colour: (it) => this.colourOf(it),
      matchFlags: this.matchFlags,
      searching: !!this.query,
      hover: this.hover,
      focus: this.focus,
      focused: document.activeElement === this.canvas,
    };
    if (this.view.drawMarks) this.drawOverPicture(ctx, paint, dpr, [...key, dpr, this.colourMode, this.matchFlags, this.darkNow, this.view]);
    else this.view.draw(ctx, paint);
    this.darkNow = undefined;
    this.drawnOnce = true;
    this.drawn = items.length > 0 && this.view.boxes().length > 0;
    if (this.drawn) {
      performance.mark('profviz:drawn');
      performance.measure('profviz:draw', { start: t0 });
      if (performance.getEntriesByName('profviz:draw').length > 500) performance.clearMeasures('profviz:draw');
    }
    if (this.on.drawn) this.on.drawn();
  }

  /**
   * For a view with drawMarks: its picture with no hover and no focus is kept
   * in an offscreen canvas (this.picture) for as long as what it shows stays
   * the same (key); a draw copies it and has the view draw only the hover and
   * focus marks over it. Redrawing every box for each mouse move had the
   * browser rasterise all of them again, 20 ms a frame with 1,200 boxes. A
   * draw with no marks and no copy of its picture yet (the first picture, a
   * new tree) draws straight onto the canvas: copying a picture rasterises it
   * there and then, and the first picture would wait for that; the copy is
   * made at the first draw with marks.
   */
  drawOverPicture(ctx, paint, dpr, key) {
    const c = this.canvas;
    let pic = this.picture;
    const fresh = pic && pic.width === c.width && pic.height === c.height && this.pictureKey && key.every((k, i) => k === this.pictureKey[i]);
    if (!fresh && paint.hover < 0 && !paint.focused) {
      this.pictureKey = null;
      this.view.draw(ctx, paint);
      return;
    }
    if (!fresh) {
      pic = this.picture || (this.picture = document.createElement('canvas'));
      pic.width = c.width; // (setting the size clears it, even when it is the same)
      pic.height = c.height;
      const p = pic.getContext('2d');
      p.setTransform(dpr, 0, 0, dpr, 0, 0);
      p.font = FONT;
      p.textBaseline = 'middle';
      this.view.draw(p, { ...paint, hover: -1, focused: false });
      this.pictureKey = key;
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(pic, 0, 0);
    ctx.restore();
    this.view.drawMarks(ctx, paint);
  }

  // ---- pointer ---------------------------------------------------------------

  local(e) {
    const b = this.canvas.getBoundingClientRect();
    return { x: e.clientX - b.left, y: e.clientY - b.top };
  }

  hitAt(clientX, clientY) {
    if (!this.view) return -1;
    const p = this.local({ clientX, clientY });
    return this.view.hitTest(p.x, p.y);
  }

  listen() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, moved: false, scroll: this.scroller.scrollTop, id: e.pointerId };
    });
    c.addEventListener('pointermove', (e) => {
      if (drag && (e.buttons & 1)) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) >= DRAG_START && this.view.panBy) {
          drag.moved = true;
          c.setPointerCapture(drag.id);
          c.classList.add('dragging');
          this.on.leave();
        }
        if (drag.moved) {
          if (this.view.panBy(e.clientX - (drag.lastX ?? drag.x))) this.requestDraw();
          drag.lastX = e.clientX;
          this.scroller.scrollTop = drag.scroll - dy;
          return;
        }
      }
      this.onMove(e);
    });
    const end = () => {
      if (drag && drag.moved) {
        c.classList.remove('dragging');
        // the click that follows a drag is not a drill-down
        const swallow = (ev) => ev.stopPropagation();
        c.addEventListener('click', swallow, { capture: true, once: true });
        setTimeout(() => c.removeEventListener('click', swallow, { capture: true }), 0);
        if (this.on.zoom) this.on.zoom();
      }
      drag = null;
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('mouseleave', () => {
      this.setHover(-1);
      this.on.leave();
    });
    c.addEventListener('click', (e) => {
      const i = this.hitAt(e.clientX, e.clientY);
      if (i >= 0) this.on.click(i);
    });
    c.addEventListener(
      'wheel',
      (e) => {
        if (!this.view || !this.view.zoomAt) return;
        const p = this.local(e);
        const scale = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
        const dx = e.deltaX * scale;
        const dy = e.deltaY * scale;
        let changed = false;
        if (Math.abs(dx) > Math.abs(dy) || (e.shiftKey && !e.ctrlKey)) {
          changed = this.view.panBy(-(Math.abs(dx) > Math.abs(dy) ? dx : dy));
        } else if (dy) {
          // pinch gestures arrive as ctrl+wheel with small deltas: zoom harder per unit
          changed = this.view.zoomAt(p.x, Math.exp(dy * (e.ctrlKey ? 0.01 : 0.0015)));
        }
        e.preventDefault();
        if (changed) {
          this.on.leave();
          this.drawNow();
          if (this.on.zoom) this.on.zoom();
        }
      },
      { passive: false },
    );
  }

  /** Back to the whole view root. Returns true when the view was zoomed. */
  resetZoom() {
    if (!this.view || !this.view.zoomed || !this.view.zoomed()) return false;
    this.view.reset();
    this.drawNow();
    if (this.on.zoom) this.on.zoom();
    return true;
  }

  onMove(e) {
    const i = this.hitAt(e.clientX, e.clientY);
    this.setHover(i);
    if (i >= 0) this.on.hover(i, e.clientX, e.clientY);
    else this.on.leave();
  }

  // ---- geometry in page coordinates (test hooks) -----------------------------

  /** Drawn boxes in page coordinates, those scrolled out of sight left out unless all: [{index, x, y, width, height}]. */
  pageBoxes(all = false) {
    if (!this.view) return [];
    const b = this.canvas.getBoundingClientRect();
    const s = this.scroller.getBoundingClientRect();
    const ox = b.left + window.scrollX;
    const oy = b.top + window.scrollY;
    const out = [];
    for (const g of this.view.boxes()) {
      const top = b.top + g.y;
      if (!all && (top + g.height <= s.top || top >= s.bottom)) continue;
      out.push({ ...g, x: ox + g.x, y: oy + g.y });
    }
    return out;
  }

  /** Drawn labels in page coordinates: [{text, cx, cy, width, height, angle}]. */
  pageLabels() {
    if (!this.view) return [];
    const b = this.canvas.getBoundingClientRect();
    const s = this.scroller.getBoundingClientRect();
    const out = [];
    for (const l of this.view.labels()) {
      const top = b.top + l.cy;
      if (top <= s.top || top >= s.bottom) continue;
      out.push({ text: l.text, cx: b.left + window.scrollX + l.cx, cy: b.top + window.scrollY + l.cy, width: l.width, height: l.height, angle: l.angle });
    }
    return out;
  }

  /** Client rectangle of item i (for placing the keyboard tooltip), or null. */
  clientRect(i) {
    const g = this.view && this.view.rectOf(i);
    if (!g) return null;
    const b = this.canvas.getBoundingClientRect();
    return { x: b.left + g.x, y: b.top + g.y, w: g.w, h: g.h };
  }

  visible(i) {
    return !!(this.view && this.view.rectOf(i));
  }
}
