import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paneHeight, tableHeight, chartHeight, icicleDepth, sunburstDepth, viewportSize, CHROME_TOP, SPLITTER } from '../../web/js/plan.js';
import { IcicleView } from '../../web/js/views/icicle.js';
import { SunburstView } from '../../web/js/views/sunburst.js';

test('the chart takes the height the table does not need', () => {
  assert.equal(tableHeight(900), 260);
  assert.equal(tableHeight(500), 160);
  assert.equal(paneHeight(900), 900 - CHROME_TOP - SPLITTER - 260);
  assert.equal(paneHeight(720), 720 - CHROME_TOP - SPLITTER - 230);
  assert.ok(paneHeight(900) > 900 / 2, 'more than half the window');
});

test('a remembered height is kept while it leaves room for the table', () => {
  assert.equal(paneHeight(900, 300), 300);
  assert.equal(paneHeight(900, 5000), 900 - CHROME_TOP - SPLITTER - 120);
  assert.equal(paneHeight(900, NaN), paneHeight(900));
  assert.equal(paneHeight(200, 10), 120);
});

test('the default depth fills the pane, and the views agree with plan.js', () => {
  const h = chartHeight(paneHeight(900));
  assert.equal(icicleDepth(h), Math.floor((h - 4) / 20) - 1);
  assert.ok((icicleDepth(h) + 1) * 20 <= h, 'the levels fit');
  assert.ok((icicleDepth(h) + 2) * 20 + 4 > h, 'one more level would not fit');
  assert.equal(new IcicleView().fitDepth(h), icicleDepth(h));
  assert.equal(new SunburstView().fitDepth(h, 1400), sunburstDepth(h, 1400, 22));
});

test('viewportSize reads the size from media queries as innerWidth and innerHeight give it', () => {
  for (const [w, h] of [[1400, 860], [1280, 720], [1, 1], [0, 0], [3841, 2161], [32767, 100]]) {
    let queries = 0;
    const match = (q) => {
      queries++;
      const m = /^\(min-(width|height): (\d+)px\)$/.exec(q);
      assert.ok(m, q);
      return { matches: Number(m[2]) <= (m[1] === 'width' ? w : h) };
    };
    assert.deepEqual(viewportSize(match), { width: w, height: h });
    assert.ok(queries <= 30, `${queries} queries`);
  }
  // fractional sizes (a zoomed page) read as their whole pixels
  assert.deepEqual(viewportSize((q) => ({ matches: Number(/(\d+)px/.exec(q)[1]) <= 859.5 })), { width: 859, height: 859 });
});
