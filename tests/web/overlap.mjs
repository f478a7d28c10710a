// overlap.mjs: whether two text labels overlap, for the unit tests and the
// e2e suite. A label is {cx, cy, width, height, angle}: a rectangle centred
// at (cx, cy), rotated by angle radians. Separating-axis test; `slack`
// pixels of touching are allowed.

function corners(l) {
  const c = Math.cos(l.angle || 0);
  const s = Math.sin(l.angle || 0);
  const w = l.width / 2;
  const h = l.height / 2;
  return [
    [-w, -h],
    [w, -h],
    [w, h],
    [-w, h],
  ].map(([x, y]) => [l.cx + x * c - y * s, l.cy + x * s + y * c]);
}

export function labelsOverlap(a, b, slack = 0.5) {
  const pa = corners(a);
  const pb = corners(b);
  for (const poly of [pa, pb]) {
    for (let i = 0; i < 4; i++) {
      const [x1, y1] = poly[i];
      const [x2, y2] = poly[(i + 1) % 4];
      const nx = y2 - y1;
      const ny = x1 - x2;
      const len = Math.hypot(nx, ny) || 1;
      const proj = (p) => (p[0] * nx + p[1] * ny) / len;
      const ra = pa.map(proj);
      const rb = pb.map(proj);
      if (Math.max(...ra) - slack <= Math.min(...rb) || Math.max(...rb) - slack <= Math.min(...ra)) return false;
    }
  }
  return true;
}

/** Pairs of overlapping labels in a list: [[i, j]]. */
export function overlappingPairs(labels, slack = 0.5) {
  const out = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) if (labelsOverlap(labels[i], labels[j], slack)) out.push([i, j]);
  }
  return out;
}

/** The corners of a label, for checking that it lies inside its box. */
export { corners };
