// views/sunburst.js: the call tree as rings: the view root is a disc at the
// centre, each level a ring around it, a segment's angle its share of the
// view root's time. Angles start at the top (-π/2) and run clockwise. A label
// is drawn only when its whole box lies inside its own segment, so no label
// crosses another; the centre label is cut to the disc. Implements the view
// interface of views/index.js.

import { levels, HIDDEN } from '../layout.js';
import { formatTime } from '../format.js';
import { labelTexts, fitText } from './icicle.js';
import { sunburstCentre, sunburstDepth } from '../plan.js';

const TEXT_H = 12; // height of a label's box in pixels
const MIN_RING = 22; // thinner rings are not drawn (a label needs 12 px and padding)
const MIN_CHARS = 6; // a cut label keeps at least this many characters
const MIN_ANGLE = 0.002;

/**
 * Ring geometry for items in a circle of `radius`: the root disc has radius
 * `centre`, each level below is a ring of equal width. Levels that would make
 * rings thinner than minRing are left out (null), like segments thinner than
 * minAngle. Returns [{a0, a1, r0, r1} | null].
 */
export function sunburstArcs(items, radius, { minAngle = MIN_ANGLE, minRing = MIN_RING } = {}) {
  const n = Math.max(1, levels(items));
  const centre = n === 1 ? radius : sunburstCentre(radius);
  const shown = Math.max(1, Math.min(n - 1, Math.floor((radius - centre) / minRing)));
  const ring = n === 1 ? 0 : (radius - centre) / shown;
  return items.map((it) => {
    if (it.depth === 0) return { a0: -Math.PI / 2, a1: (3 * Math.PI) / 2, r0: 0, r1: centre };
    if (it.depth > shown) return null;
    const a0 = -Math.PI / 2 + it.x0 * 2 * Math.PI;
    const a1 = -Math.PI / 2 + it.x1 * 2 * Math.PI;
    if (a1 - a0 < minAngle) return null;
    return { a0, a1, r0: centre + (it.depth - 1) * ring, r1: centre + it.depth * ring };
  });
}

/** Index of the arc holding point (dx, dy) relative to the centre, or -1. */
export function hitSunburst(arcs, dx, dy) {
  const r = Math.hypot(dx, dy);
  let a = Math.atan2(dy, dx);
  if (a < -Math.PI / 2) a += 2 * Math.PI;
  for (let i = arcs.length - 1; i >= 0; i--) {
    const s = arcs[i];
    if (!s || r < s.r0 || r >= s.r1) continue;
    if (s.r0 === 0 || (a >= s.a0 && a < s.a1)) return i;
  }
  return -1;
}

/** A point well inside an arc (its middle angle and radius), relative to the centre. */
export function arcCentroid(arc) {
  const a = (arc.a0 + arc.a1) / 2;
  const r = arc.r0 === 0 ? 0 : (arc.r0 + arc.r1) / 2;
  return { x: Math.cos(a) * r, y: Math.sin(a) * r };
}

/**
 * The widest label box (h pixels tall) that fits inside a ring segment, in
 * two placements: along the ring (tangent at the middle angle) and across it
 * (along the radius). Returns {tangent: {width, r}, radial: {width, r}}, r the
 * distance of the box's centre from the circle's centre; width 0 when none fits.
 */
export function labelRoom(arc, h = TEXT_H, pad = 2) {
  const half = (arc.a1 - arc.a0) / 2 - pad / Math.max(arc.r0, 1);
  const out = { tangent: { width: 0, r: 0 }, radial: { width: 0, r: 0 } };
  if (half <= 0) return out;
  // along the ring, centred in the ring's thickness
  const rm = (arc.r0 + arc.r1) / 2;
  if (arc.r1 - arc.r0 >= h + 2 * pad) {
    const outer = arc.r1 - pad;
    const byRadius = 2 * Math.sqrt(Math.max(0, outer * outer - (rm + h / 2) ** 2));
    const byAngle = half >= Math.PI / 2 ? Infinity : 2 * (rm - h / 2) * Math.tan(half);
    out.tangent = { width: Math.max(0, Math.min(byRadius, byAngle)), r: rm };
  }
  // across the ring: from just outside r0 to just inside r1, if the segment is wide enough at r0
  const inner = arc.r0 + pad;
  if (half < Math.PI / 2 && Math.atan(h / 2 / inner) <= half) {
    const outer = Math.sqrt(Math.max(0, (arc.r1 - pad) ** 2 - (h / 2) ** 2));
    const w = outer - inner;
    if (w > 0) out.radial = { width: w, r: (inner + outer) / 2 };
  }
  return out;
}

export class SunburstView {
  constructor() {
    this.arcs = [];
    this.items = [];
    this.labelList = [];
    this.centre = { x: 0, y: 0 };
  }

  height(items, width, paneHeight) {
    return paneHeight;
  }

  /** Levels below the view root that the rings can show in this pane. */
  fitDepth(paneHeight, width = paneHeight) {
    return sunburstDepth(paneHeight, width, MIN_RING);
  }

  reset() {}

  layout(model, width, height, env) {
    this.items = model.items;
    const radius = Math.max(10, Math.min(width, height) / 2 - 8);
    this.radius = radius;
    this.centre = { x: width / 2, y: height / 2 };
    this.arcs = sunburstArcs(model.items, radius);
    this.labelList = [];
    const { x: cx, y: cy } = this.centre;
    for (let i = 0; i < this.arcs.length; i++) {
      const a = this.arcs[i];
      if (!a) continue;
      const it = model.items[i];
      if (a.r0 === 0) {
        // the centre: the name on one line, the time on the next, each cut to the disc's chord
        const chord = (dy) => 2 * Math.sqrt(Math.max(0, a.r1 * a.r1 - (Math.abs(dy) + TEXT_H / 2) ** 2)) - 8;
        const name = fitText([it.node.name], chord(-7), env.measure);
        const time = fitText([formatTime(it.node.time)], chord(8), env.measure);
        if (name) this.labelList.push({ index: i, text: name, cx, cy: cy - 7, width: env.measure(name), height: TEXT_H, angle: 0 });
        if (time) this.labelList.push({ index: i, text: time, cx, cy: cy + 8, width: env.measure(time), height: TEXT_H, angle: 0 });
        continue;
      }
      const room = labelRoom(a);
      const texts = it.kind === HIDDEN ? ['…'] : labelTexts(it);
      const readable = (t) => (t && (t.length >= MIN_CHARS + 1 || !t.endsWith('…')) ? t : '');
      const tan = room.tangent.width >= 16 ? readable(fitText(texts, room.tangent.width, env.measure)) : '';
      const rad = room.radial.width >= 16 ? readable(fitText(texts, room.radial.width, env.measure)) : '';
      const useTan = tan && (!rad || tan.length >= rad.length);
      const text = useTan ? tan : rad;
      if (!text) continue;
      const mid = (a.a0 + a.a1) / 2;
      const r = useTan ? room.tangent.r : room.radial.r;
      let angle;
      if (useTan) {
        angle = mid + Math.PI / 2;
        if (Math.sin(mid) > 0) angle += Math.PI; // keep the text upright
      } else {
        angle = mid;
        if (Math.cos(mid) < 0) angle += Math.PI;
      }
      angle = Math.atan2(Math.sin(angle), Math.cos(angle));
      this.labelList.push({ index: i, text, cx: cx + Math.cos(mid) * r, cy: cy + Math.sin(mid) * r, width: env.measure(text), height: TEXT_H, angle });
    }
  }

  draw(ctx, paint) {
    const t = paint.theme;
    const { x: cx, y: cy } = this.centre;
    ctx.lineWidth = 1;
    for (let i = 0; i < this.arcs.length; i++) {
      const a = this.arcs[i];
      if (!a) continue;
      const it = this.items[i];
      const node = it.node;
      ctx.globalAlpha = paint.searching && !paint.matchFlags[i] ? 0.28 : 1;
      ctx.beginPath();
      if (a.r0 === 0) ctx.arc(cx, cy, a.r1, 0, 2 * Math.PI);
      else {
        ctx.arc(cx, cy, a.r1, a.a0, a.a1);
        ctx.arc(cx, cy, a.r0, a.a1, a.a0, true);
        ctx.closePath();
      }
      ctx.fillStyle = paint.colour(it);
      ctx.fill();
      if (it.kind === HIDDEN) {
        ctx.fillStyle = t.hiddenHatch;
        ctx.fill();
      } else if (!node.exact) {
        ctx.fillStyle = t.hatch;
        ctx.fill();
      }
      if (i === paint.hover) {
        ctx.fillStyle = 'rgba(255,255,255,0.28)';
        ctx.fill();
      }
      ctx.strokeStyle = t.line;
      ctx.stroke();
      if (node.reentry) {
        ctx.save();
        ctx.setLineDash([3, 2]);
        ctx.strokeStyle = t.text;
        ctx.globalAlpha *= 0.7;
        ctx.stroke();
        ctx.restore();
      }
      if (paint.searching && paint.matchFlags[i]) {
        ctx.save();
        ctx.strokeStyle = t.match;
        ctx.lineWidth = 2;
        ctx.stroke();
        ctx.restore();
      }
      if (i === paint.focus && paint.focused) {
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
    ctx.textBaseline = 'middle';
    for (const l of this.labelList) {
      ctx.globalAlpha = paint.searching && !paint.matchFlags[l.index] ? 0.45 : 1;
      ctx.save();
      ctx.translate(l.cx, l.cy);
      ctx.rotate(l.angle);
      ctx.fillText(l.text, 0, 0);
      ctx.restore();
    }
    ctx.globalAlpha = 1;
    ctx.textAlign = 'start';
  }

  hitTest(x, y) {
    return hitSunburst(this.arcs, x - this.centre.x, y - this.centre.y);
  }

  boxes() {
    const out = [];
    for (let i = 0; i < this.arcs.length; i++) {
      const g = this.arcs[i];
      if (!g) continue;
      const arcLen = (g.a1 - g.a0) * ((g.r0 + g.r1) / 2);
      if (g.r0 > 0 && arcLen < 3) continue;
      const c = arcCentroid(g);
      const size = Math.max(2, Math.min(g.r1 - g.r0, g.r0 === 0 ? g.r1 : arcLen) / 3);
      out.push({ index: i, x: this.centre.x + c.x - size / 2, y: this.centre.y + c.y - size / 2, width: size, height: size });
    }
    return out;
  }

  labels() {
    return this.labelList.map((l) => ({ ...l }));
  }

  rectOf(i) {
    const g = this.arcs[i];
    if (!g) return null;
    const c = arcCentroid(g);
    return { x: this.centre.x + c.x, y: this.centre.y + c.y, w: 0, h: 0 };
  }
}

export default {
  name: 'sunburst',
  label: 'Sunburst',
  create: () => new SunburstView(),
};
