// layout.js: where the boxes of a call tree go, in the icicle and in the
// sunburst, and which box is where. Pure functions over plain objects, no DOM;
// unit-tested in tests/web/layout.test.mjs.
//
// A tree comes from GET /api/profiles/{id}/tree: nodes {id, name, file, line,
// time, calls, exact, children, more}. flatten() turns it into an array of
// items, parents before children, each with its path (function ids from the
// tree root, as the API names view roots), its depth below the view root and
// its horizontal extent [x0, x1) as fractions of the view root's time.

/**
 * Flattens a tree into layout items. rootPath is the view root's own path
 * (empty for the synthetic root). Children are placed left to right by
 * decreasing time; a child never extends past its parent even if the numbers
 * say otherwise. Items deeper than maxDepth are left out.
 * Returns [{node, path, depth, x0, x1, parent, children: [indices]}].
 */
export function flatten(root, rootPath = [], maxDepth = Infinity) {
  const items = [];
  const total = root.time > 0 ? root.time : 1;
  items.push({ node: root, path: rootPath.slice(), depth: 0, x0: 0, x1: 1, parent: -1, children: [] });
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.depth >= maxDepth) continue;
    const kids = (it.node.children || []).slice().sort((a, b) => b.time - a.time);
    let x = it.x0;
    for (const child of kids) {
      const w = Math.max(0, child.time) / total;
      const x1 = Math.min(it.x1, x + w);
      if (x1 <= x) continue;
      const path = child.id === -1 ? it.path.slice() : it.path.concat(child.id);
      it.children.push(items.length);
      items.push({ node: child, path, depth: it.depth + 1, x0: x, x1, parent: i, children: [] });
      x = x1;
    }
  }
  return items;
}

/** Number of levels in a flattened tree (1 for a lone root). */
export function levels(items) {
  let d = 0;
  for (const it of items) if (it.depth > d) d = it.depth;
  return items.length ? d + 1 : 0;
}

/**
 * Icicle rectangles in CSS pixels for a canvas `width` wide, rows of rowHeight.
 * Items narrower than minWidth pixels get null (not drawn, not hit).
 */
export function icicleRects(items, width, rowHeight, minWidth = 0.5) {
  return items.map((it) => {
    const x = it.x0 * width;
    const w = (it.x1 - it.x0) * width;
    if (w < minWidth) return null;
    return { x, y: it.depth * rowHeight, w, h: rowHeight };
  });
}

/** Index of the item whose rectangle holds (x, y), or -1. */
export function hitIcicle(rects, x, y) {
  for (let i = rects.length - 1; i >= 0; i--) {
    const r = rects[i];
    if (r && x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) return i;
  }
  return -1;
}

/**
 * Sunburst geometry: the view root is a disc of radius ringWidth at the
 * centre, each deeper level a ring ringWidth wide. Angles start at the top
 * (-π/2) and run clockwise. Items thinner than minAngle radians get null.
 * Returns [{a0, a1, r0, r1}].
 */
export function sunburstArcs(items, radius, minAngle = 0.002) {
  const n = Math.max(1, levels(items));
  const ring = radius / n;
  return items.map((it) => {
    const a0 = -Math.PI / 2 + it.x0 * 2 * Math.PI;
    const a1 = -Math.PI / 2 + it.x1 * 2 * Math.PI;
    if (it.depth > 0 && a1 - a0 < minAngle) return null;
    return { a0, a1, r0: it.depth === 0 ? 0 : it.depth * ring, r1: (it.depth + 1) * ring };
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
 * Keyboard navigation: the item reached from item i by an arrow key.
 * 'up' goes to the parent, 'down' to the widest child, 'left'/'right' to the
 * nearest visible item on the same level. visible(i) says whether an item is
 * drawn. Returns the new index, or i when there is nowhere to go.
 */
export function neighbour(items, i, key, visible = () => true) {
  const it = items[i];
  if (!it) return i;
  if (key === 'up') return it.parent >= 0 ? it.parent : i;
  if (key === 'down') {
    const c = it.children.find((k) => visible(k));
    return c === undefined ? i : c;
  }
  if (key === 'left' || key === 'right') {
    let best = i;
    let bestGap = Infinity;
    for (let k = 0; k < items.length; k++) {
      const o = items[k];
      if (k === i || o.depth !== it.depth || !visible(k)) continue;
      const gap = key === 'right' ? o.x0 - it.x0 : it.x0 - o.x0;
      if (gap > 0 && gap < bestGap) {
        bestGap = gap;
        best = k;
      }
    }
    return best;
  }
  return i;
}

/** True when a node matches search text (case-insensitive substring of name or file). */
export function matches(node, query) {
  if (!query) return false;
  const q = query.toLowerCase();
  return (node.name || '').toLowerCase().includes(q) || (node.file || '').toLowerCase().includes(q);
}
