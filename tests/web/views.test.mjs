import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatten } from '../../web/js/layout.js';
import { IcicleView, fitText, labelTexts } from '../../web/js/views/icicle.js';
import { SunburstView, labelRoom, hitSunburst } from '../../web/js/views/sunburst.js';
import { VIEWS, viewByName, VIEW_NAMES } from '../../web/js/views/index.js';
import { overlappingPairs, labelsOverlap, corners } from './overlap.mjs';

const measure = (t) => t.length * 6.5;
let nextId = 0;
const node = (time, children = [], name) => {
  const id = nextId++;
  return { id, name: name || `function_number_${id}`, file: 'a.py', line: id, time, calls: 1, exact: true, children, more: false };
};
/** A bushy tree: each node splits its time among 2..5 children, 6 levels deep. */
function bushy(time = 100, depth = 0, seed = 1) {
  if (depth >= 6) return node(time);
  const k = 2 + (seed % 4);
  const kids = [];
  let left = time * 0.9;
  for (let i = 0; i < k; i++) {
    const t = i === k - 1 ? left : left * (0.3 + ((seed * (i + 3)) % 5) / 10);
    left -= t;
    kids.push(bushy(t, depth + 1, seed * 7 + i));
  }
  return node(time, kids);
}

test('every view implements the whole interface', () => {
  assert.deepEqual(VIEW_NAMES, ['icicle', 'sunburst', 'compare']);
  assert.equal(viewByName('nope').name, 'icicle');
  for (const d of VIEWS) {
    assert.equal(typeof d.label, 'string');
    const v = d.create();
    for (const m of ['height', 'fitDepth', 'reset', 'layout', 'draw', 'hitTest', 'boxes', 'labels', 'rectOf']) {
      assert.equal(typeof v[m], 'function', `${d.name}.${m}`);
    }
  }
});

test('fitText takes the first text that fits, else cuts the last with an ellipsis', () => {
  assert.equal(fitText(['abcdef (1 ms)', 'abcdef'], 1000, measure), 'abcdef (1 ms)');
  assert.equal(fitText(['abcdef (1 ms)', 'abcdef'], 6 * 6.5, measure), 'abcdef');
  assert.equal(fitText(['abcdef (1 ms)', 'abcdef'], 4 * 6.5, measure), 'abc…');
  assert.equal(fitText(['abcdef'], 2 * 6.5, measure), '');
});

test('icicle labels carry the time and stay inside their boxes; re-entries are marked', () => {
  const root = bushy();
  root.children[0].reentry = true;
  const items = flatten(root, []);
  const v = new IcicleView();
  v.layout({ items }, 1200, 400, { measure });
  const labels = v.labels();
  assert.ok(labels.length > 5);
  assert.match(labels[0].text, /^function_number_\d+ \(100 s\)$/);
  assert.ok(labels.some((l) => l.text.startsWith('↻ ')), 'a re-entry label has the ↻ mark');
  for (const l of labels) {
    const r = v.rects[l.index];
    assert.ok(l.cx - l.width / 2 >= r.x && l.cx + l.width / 2 <= r.x + r.w, `${l.text} leaves its box`);
  }
  assert.deepEqual(overlappingPairs(labels), []);
  assert.deepEqual(labelTexts({ node: { name: '…', time: 0.002, count: 4 }, kind: 'hidden', chain: [] })[0], '… 4 hidden (2 ms)');
});

test('icicle zoom keeps the point under the pointer and pans within the root', () => {
  const items = flatten(bushy(), []);
  const v = new IcicleView();
  v.layout({ items }, 1000, 400, { measure });
  const before = v.hitTest(300, 25);
  assert.ok(v.zoomAt(300, 0.5));
  v.layout({ items }, 1000, 400, { measure });
  assert.ok(Math.abs(v.zoom.x1 - v.zoom.x0 - 0.5) < 1e-12);
  assert.ok(Math.abs(v.zoom.x0 + 0.3 * 0.5 - 0.3) < 1e-12, 'the fraction under x=300 stays under it');
  assert.equal(v.hitTest(300, 25), before);
  assert.ok(v.rects[0].w > 1000, 'the root is wider than the canvas when zoomed');
  assert.ok(v.panBy(100));
  assert.ok(v.zoom.x0 < 0.15);
  assert.ok(!v.panBy(1e6) || v.zoom.x0 === 0);
  assert.equal(v.zoom.x0, 0);
  assert.ok(!v.zoomAt(0, 4) || v.zoom.x1 - v.zoom.x0 === 1, 'zooming out stops at the whole root');
  for (const b of v.boxes()) assert.ok(b.x >= 0 && b.x + b.width <= 1000);
  v.reset();
  assert.ok(!v.zoomed());
});

test('labelRoom: a thin ring has no tangent room; a narrow wedge has no radial room', () => {
  const thin = labelRoom({ a0: 0, a1: 1, r0: 100, r1: 110 });
  assert.equal(thin.tangent.width, 0);
  const narrow = labelRoom({ a0: 0, a1: 0.05, r0: 100, r1: 180 });
  assert.equal(narrow.radial.width, 0);
  const wide = labelRoom({ a0: 0, a1: 0.5, r0: 100, r1: 180 });
  assert.ok(wide.radial.width > 60 && wide.radial.width < 80);
  assert.ok(wide.tangent.width > 40);
});

test('sunburst labels lie inside their own segment and never overlap', () => {
  for (const size of [[1400, 600], [700, 500], [400, 400]]) {
    const items = flatten(bushy(), []);
    const v = new SunburstView();
    v.layout({ items }, size[0], size[1], { measure });
    const labels = v.labels();
    assert.ok(labels.length >= 5, `${labels.length} labels at ${size}`);
    assert.deepEqual(overlappingPairs(labels), [], `overlaps at ${size}`);
    for (const l of labels) {
      for (const [x, y] of corners(l)) {
        const hit = hitSunburst(v.arcs, x - v.centre.x, y - v.centre.y);
        assert.equal(hit, l.index, `a corner of "${l.text}" lies outside its segment`);
      }
    }
  }
});

test('the sunburst uses the pane: the radius is half the smaller side', () => {
  const items = flatten(bushy(), []);
  const v = new SunburstView();
  v.layout({ items }, 1400, 640, { measure });
  assert.ok(v.radius >= 640 / 2 - 8);
  const centre = v.labels().filter((l) => l.index === 0);
  assert.equal(centre.length, 2, 'the centre shows name and time');
  for (const l of centre) assert.ok(Math.hypot(l.width / 2, Math.abs(l.cy - v.centre.y) + 6) <= v.arcs[0].r1);
});

test('labelsOverlap sees rotated boxes', () => {
  const a = { cx: 0, cy: 0, width: 100, height: 10, angle: 0 };
  assert.ok(labelsOverlap(a, { cx: 0, cy: 0, width: 100, height: 10, angle: Math.PI / 2 }));
  assert.ok(!labelsOverlap(a, { cx: 0, cy: 20, width: 100, height: 10, angle: 0 }));
  assert.ok(!labelsOverlap(a, { cx: 80, cy: 30, width: 40, height: 10, angle: Math.PI / 4 }));
});

test('fitText cuts where halving the length would, in fewer measurements', () => {
  // the reference: the longest prefix that fits with its ellipsis, by trying them all
  const reference = (texts, px, m) => {
    for (const t of texts) if (m(t) <= px) return t;
    const t = texts[texts.length - 1];
    let best = '';
    for (let k = 3; k < t.length; k++) if (m(t.slice(0, k) + '…') <= px) best = t.slice(0, k) + '…';
    return best;
  };
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const widths = { W: 11, m: 10, i: 3, l: 3, ' ': 3.5, '(': 4, ')': 4, '…': 9 };
  const m = (s) => [...s].reduce((w, c) => w + (widths[c] || 6.5), 0);
  let calls = 0;
  const counted = (s) => (calls++, m(s));
  const alphabet = 'Wmilabcdefgh_.( )';
  let cuts = 0;
  for (let n = 0; n < 2000; n++) {
    const name = Array.from({ length: 1 + Math.floor(next() * 40) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    const texts = [`${name} (12.3 ms)`, name];
    const px = 14 + next() * 300;
    const want = reference(texts, px, m);
    assert.equal(fitText(texts, px, counted), want, `${JSON.stringify(texts)} in ${px}`);
    if (want.endsWith('…')) cuts++;
  }
  assert.ok(cuts > 500, `${cuts} cut labels`);
  assert.ok(calls < 2000 * 6, `${calls} measurements for 2000 labels`);
});
