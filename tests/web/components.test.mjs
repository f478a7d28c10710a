import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapseMiddle } from '../../web/js/components/crumbs.js';
import { placeBox, whyText, reentryText, WHY } from '../../web/js/components/tooltip.js';
import { heatColour, heatStops, topModules } from '../../web/js/colour.js';

test('crumbs collapse from the middle, keeping the first and the last', () => {
  assert.deepEqual(collapseMiddle(5, 0), { shown: [0, 1, 2, 3, 4], hidden: [] });
  assert.deepEqual(collapseMiddle(7, 2), { shown: [0, 1, 4, 5, 6], hidden: [2, 3] });
  assert.deepEqual(collapseMiddle(7, 99).shown, [0, 6]);
  assert.deepEqual(collapseMiddle(2, 1).shown, [0, 1]);
});

test('a tooltip is placed inside the viewport, whatever the pointer and size', () => {
  for (const [x, y] of [[0, 0], [1390, 890], [700, 450], [1399, 5], [3, 899]]) {
    for (const [w, h] of [[300, 200], [460, 880], [1500, 2000]]) {
      const p = placeBox(x, y, w, h, 1400, 900);
      assert.ok(p.left >= 8 && p.top >= 8, `at ${x},${y} size ${w}x${h}: ${JSON.stringify(p)}`);
      if (w <= 1384) assert.ok(p.left + w <= 1392);
      if (h <= 884) assert.ok(p.top + h <= 892);
    }
  }
  assert.deepEqual(placeBox(100, 100, 200, 100, 1400, 900), { left: 114, top: 116 });
});

test('the tooltip says why a node is an estimate, and nothing for an exact one', () => {
  assert.equal(whyText({ exact: true, why: 'several-callers', name: 'f' }), '');
  assert.match(whyText({ exact: false, why: 'several-callers', name: 'isinstance' }), /isinstance has several callers/);
  assert.match(whyText({ exact: false, why: 'recursive-parent' }), /parent is recursive/);
  assert.match(whyText({ exact: false, why: 'estimated-parent' }), /ancestor is an estimate/);
  assert.equal(whyText({ exact: false, why: 'made-up' }), '');
  assert.equal(Object.keys(WHY).length, 3);
  assert.equal(reentryText('exec', '_run_code'), 're-entry: exec is already on the path above; its time here is bounded by the _run_code → exec edge');
});

test('the heat scale runs from pale to red and clamps', () => {
  const l = (c) => Number(/(\d+)%\)$/.exec(c)[1]);
  assert.ok(l(heatColour(0)) > l(heatColour(1)), 'hotter is darker in the light theme');
  assert.equal(heatColour(-1), heatColour(0));
  assert.equal(heatColour(7), heatColour(1));
  assert.equal(heatColour(NaN), heatColour(0));
  assert.match(heatColour(1, true), /^hsl\(4, /);
  assert.equal(heatStops().length, 6);
});

test('top modules count each module once per outermost box', () => {
  const it = (id, file, time, parent) => ({ node: { id, file, name: 'f', time }, parent });
  const items = [it(-1, '', 10, -1), it(1, '/x/a.py', 6, 0), it(2, '/x/a.py', 5, 1), it(3, '/x/b.py', 3, 0), it(4, '/x/a.py', 1, 3)];
  assert.deepEqual(topModules(items), [{ key: 'x/a', time: 7 }, { key: 'x/b', time: 3 }]);
});
