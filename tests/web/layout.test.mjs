import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatten, levels, neighbour, matches, itemMatches, foldChain, HIDDEN } from '../../web/js/layout.js';
import { IcicleView, ROW_HEIGHT } from '../../web/js/views/icicle.js';
import { sunburstArcs, hitSunburst, arcCentroid } from '../../web/js/views/sunburst.js';

const measure = (t) => t.length * 7;
const icicleAt = (items, width) => {
  const v = new IcicleView();
  v.layout({ items }, width, 400, { measure });
  return v;
};

const node = (id, time, children = [], name = `f${id}`) => ({ id, name, file: 'a.py', line: id, time, calls: 1, exact: true, children, more: false });
// 0 (10) -> 1 (6) -> 3 (2), 4 (3); 0 -> 2 (3)
const tree = () => node(0, 10, [node(2, 3), node(1, 6, [node(3, 2), node(4, 3)])]);

test('flatten orders children by time and places them inside their parent', () => {
  const items = flatten(tree(), [0]);
  assert.deepEqual(items.map((i) => i.node.id), [0, 1, 2, 4, 3]);
  const byId = Object.fromEntries(items.map((i) => [i.node.id, i]));
  assert.deepEqual([byId[0].x0, byId[0].x1], [0, 1]);
  assert.deepEqual([byId[1].x0, byId[1].x1], [0, 0.6]);
  assert.equal(byId[2].x0, 0.6);
  assert.ok(Math.abs(byId[2].x1 - 0.9) < 1e-12);
  assert.deepEqual([byId[4].x0, byId[4].x1], [0, 0.3]);
  assert.equal(byId[3].x0, 0.3);
  assert.ok(Math.abs(byId[3].x1 - 0.5) < 1e-12);
  assert.equal(levels(items), 3);
});

test('paths extend the view root path; the synthetic root adds nothing', () => {
  const items = flatten(tree(), [7, 0]);
  assert.deepEqual(items.find((i) => i.node.id === 3).path, [7, 0, 1, 3]);
  const synthetic = flatten(node(-1, 5, [node(9, 5)]), []);
  assert.deepEqual(synthetic[0].path, []);
  assert.deepEqual(synthetic[1].path, [9]);
});

test('children never extend past the parent even when the numbers overshoot', () => {
  const items = flatten(node(0, 10, [node(1, 4, [node(2, 3), node(3, 3)])]), []);
  const last = items.find((i) => i.node.id === 3);
  assert.ok(last.x1 <= 0.4 + 1e-12);
});

test('maxDepth leaves deeper items out; zero-time children are skipped', () => {
  assert.equal(flatten(tree(), [0], 1).length, 3);
  assert.equal(flatten(node(0, 1, [node(1, 0)]), []).length, 1);
});

test('icicle rects and hit testing', () => {
  const items = flatten(tree(), [0]);
  const v = icicleAt(items, 1000);
  assert.equal(ROW_HEIGHT, 20);
  assert.deepEqual(v.rects[0], { x: 0, y: 0, w: 1000, h: 20 });
  assert.deepEqual(v.rects[1], { x: 0, y: 20, w: 600, h: 20 });
  assert.equal(v.hitTest(650, 25), 2);
  assert.equal(v.hitTest(100, 45), 3);
  assert.equal(v.hitTest(950, 45), -1);
  assert.equal(v.hitTest(10, 99), -1);
  assert.equal(icicleAt(items, 1).rects[3], null);
});

test('sunburst arcs: root disc, rings by depth, angles from the top clockwise', () => {
  const items = flatten(tree(), [0]);
  const arcs = sunburstArcs(items, 300);
  assert.equal(arcs[0].r0, 0);
  const centre = arcs[0].r1;
  assert.ok(centre >= 34 && centre <= 110, `centre radius ${centre}`);
  assert.equal(arcs[1].r0, centre);
  assert.ok(Math.abs(arcs[3].r1 - 300) < 1e-9, 'the outer ring ends at the radius');
  assert.ok(Math.abs(arcs[1].a0 + Math.PI / 2) < 1e-12);
  assert.equal(hitSunburst(arcs, 0, 0), 0);
  // Right of the centre, in the first ring: angle 0 = 25% round from the top, inside item 1 (0..60%).
  const r1 = (arcs[1].r0 + arcs[1].r1) / 2;
  assert.equal(hitSunburst(arcs, r1, 0), 1);
  // Left: 75% round, inside item 2 (60..90%).
  assert.equal(hitSunburst(arcs, -r1, 0), 2);
  assert.equal(hitSunburst(arcs, 0, 400), -1);
  for (let i = 0; i < arcs.length; i++) {
    const c = arcCentroid(arcs[i]);
    assert.equal(hitSunburst(arcs, c.x, c.y), i);
  }
});

test('neighbour moves up, down and sideways on one level', () => {
  const items = flatten(tree(), [0]);
  assert.equal(neighbour(items, 0, 'up'), 0);
  assert.equal(neighbour(items, 0, 'down'), 1);
  assert.equal(neighbour(items, 1, 'right'), 2);
  assert.equal(neighbour(items, 2, 'left'), 1);
  assert.equal(neighbour(items, 2, 'right'), 2);
  assert.equal(neighbour(items, 3, 'up'), 1);
  assert.equal(neighbour(items, 1, 'down'), 3);
  assert.equal(neighbour(items, 3, 'right'), 4);
  assert.equal(neighbour(items, 1, 'right', (k) => k !== 2), 1);
});

test('matches is a case-insensitive substring of name or file', () => {
  assert.ok(matches({ name: 'JSONDecoder', file: 'x' }, 'jsond'));
  assert.ok(matches({ name: 'f', file: '/a/json/x.py' }, 'JSON'));
  assert.ok(!matches({ name: 'f', file: 'x' }, 'y'));
  assert.ok(!matches({ name: 'f', file: 'x' }, ''));
});

test('a hidden remainder becomes the last child, of kind hidden', () => {
  const root = node(0, 10, [node(1, 6), node(2, 2)]);
  root.hidden = { time: 1.5, count: 7 };
  const items = flatten(root, [0]);
  const last = items[items[0].children[items[0].children.length - 1]];
  assert.equal(last.kind, HIDDEN);
  assert.equal(last.node.count, 7);
  assert.ok(Math.abs(last.x0 - 0.8) < 1e-12 && Math.abs(last.x1 - 0.95) < 1e-12);
  assert.deepEqual(last.path, [0]);
  assert.ok(!itemMatches(last, '…'));
});

test('fold turns single-child chains into one item with the last node\'s path and children', () => {
  // 0 -> 1 -> 2 -> 3 -> {4, 5}
  const root = node(0, 10, [node(1, 9, [node(2, 8, [node(3, 8, [node(4, 5), node(5, 3)])])])]);
  assert.deepEqual(foldChain(root.children[0]).map((n) => n.id), [1, 2, 3]);
  const items = flatten(root, [0], Infinity, { fold: true });
  assert.equal(items.length, 4);
  assert.deepEqual(items[1].chain.map((n) => n.id), [1, 2, 3]);
  assert.deepEqual(items[1].path, [0, 1, 2, 3]);
  assert.equal(items[1].node.time, 9);
  assert.deepEqual(items[2].path, [0, 1, 2, 3, 4]);
  assert.equal(items[2].depth, 2);
  assert.ok(itemMatches(items[1], 'f2'), 'a search matches a node inside a folded chain');
  assert.equal(flatten(root, [0]).length, 6, 'without fold every node is an item');
  // a tiny hidden remainder does not stop a chain; a larger one does
  root.children[0].hidden = { time: 0.1, count: 2 };
  assert.equal(foldChain(root.children[0]).length, 3);
  root.children[0].hidden = { time: 1, count: 2 };
  assert.equal(foldChain(root.children[0]).length, 1);
});

test('flatten keeps children that come largest first as they are, and sorts others stably', () => {
  const leaf = (id, time) => ({ id, name: `f${id}`, file: 'a.py', line: id, time, exact: true, children: [] });
  const root = (kids) => ({ id: 1, name: 'root', file: 'a.py', line: 1, time: 20, exact: true, children: kids });
  const ids = (r) => flatten(r).filter((it) => it.depth === 1).map((it) => it.node.id);
  assert.deepEqual(ids(root([leaf(2, 5), leaf(3, 3), leaf(4, 3), leaf(5, 1)])), [2, 3, 4, 5]);
  const shuffled = [leaf(5, 1), leaf(4, 3), leaf(2, 5), leaf(3, 3)];
  assert.deepEqual(ids(root(shuffled)), [2, 4, 3, 5], 'equal times keep their order');
  assert.deepEqual(shuffled.map((k) => k.id), [5, 4, 2, 3], 'the tree itself is left as it is');
  const x0 = flatten(root(shuffled)).filter((it) => it.depth === 1).map((it) => it.x0);
  assert.deepEqual(x0.map((x) => Math.round(x * 20)), [0, 5, 8, 11]);
});
