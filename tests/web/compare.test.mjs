import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeColour, relChange, indexCompareTree } from '../../web/js/views/compare.js';
import { formatChange, formatRatio, formatShare, formatPoints } from '../../web/js/components/comparetable.js';

const hue = (c) => Number(/^hsl\((\d+)/.exec(c)[1]);
const sat = (c) => Number(/^hsl\(\d+, (\d+)%/.exec(c)[1]);
const light = (c) => Number(/(\d+(\.\d+)?)%\)$/.exec(c)[1]);

test('the change is relative to BASE, whichever tree is shown', () => {
  assert.equal(relChange({ time: 3, other: 2, change: 1 }, 'new'), 0.5);
  assert.equal(relChange({ time: 2, other: 3, change: 1 }, 'base'), 0.5);
  assert.equal(relChange({ time: 1, other: 0, change: 1 }, 'new'), Infinity);
  assert.equal(relChange({ time: 1, other: null, change: null }, 'new'), null);
});

test('slower is red, faster blue, within the threshold neutral, darker the bigger', () => {
  const slow = changeColour({ time: 3, other: 2, change: 1, uncertain: false }, 'new', 5, false);
  const slower = changeColour({ time: 4, other: 2, change: 2, uncertain: false }, 'new', 5, false);
  const fast = changeColour({ time: 1, other: 2, change: -1, uncertain: false }, 'new', 5, false);
  const same = changeColour({ time: 2.04, other: 2, change: 0.04, uncertain: false }, 'new', 5, false);
  assert.ok(hue(slow) < 20, slow);
  assert.ok(hue(fast) > 180, fast);
  assert.ok(light(slower) < light(slow), 'a bigger change is darker');
  assert.ok(!/^hsl\((4|214),/.test(same), `within 5% is neutral: ${same}`);
  assert.ok(hue(changeColour({ time: 2.04, other: 2, change: 0.04, uncertain: false }, 'new', 1, false)) < 20, 'the threshold is the user\'s');
});

test('an uncertain change is pale; a place the other run lacks is new code', () => {
  const sure = changeColour({ time: 3, other: 2, change: 1, uncertain: false }, 'new', 5, false);
  const unsure = changeColour({ time: 3, other: 2, change: 1, uncertain: true }, 'new', 5, false);
  assert.ok(sat(unsure) < sat(sure));
  assert.equal(changeColour({ time: 3, other: null, change: null, uncertain: false }, 'new', 5, false), 'new-code');
});

test('the comparison tree is indexed by the same paths as the layout', () => {
  const t = {
    path: [4],
    root: { id: 4, time: 2, exact: true, base: { time: 1, exact: true }, change: 1, uncertain: false,
      children: [{ id: 7, time: 1, exact: false, base: null, change: null, uncertain: false, children: [] }] },
  };
  const m = indexCompareTree(t, 'new');
  assert.deepEqual(m.get('4'), { time: 2, exact: true, other: 1, otherExact: true, change: 1, uncertain: false });
  assert.equal(m.get('4,7').other, null);
  const b = indexCompareTree({ path: [], root: { id: -1, time: 2, exact: true, new: { time: 3, exact: false }, change: 1, uncertain: true, children: [] } }, 'base');
  assert.equal(b.get('').other, 3);
});

test('table cells: signed changes and ratios, new and gone', () => {
  assert.equal(formatChange(0), '0');
  assert.ok(formatChange(0.0015).startsWith('+'));
  assert.ok(formatChange(-0.0015).startsWith('−'));
  assert.equal(formatRatio({ base: null, new: {}, ratio: {}, change: {} }), 'new');
  assert.equal(formatRatio({ base: {}, new: null, ratio: {}, change: {} }), 'gone');
  assert.equal(formatRatio({ base: {}, new: {}, ratio: { tottime: 1.7623 }, change: { tottime: 1 } }), '×1.76');
  assert.equal(formatRatio({ base: {}, new: {}, ratio: { tottime: null }, change: { tottime: 1 } }), 'from 0');
});

test('normalised cells: shares of the run and percentage points', () => {
  assert.equal(formatShare(1, 4), '25.0%');
  assert.equal(formatShare(1, 0), '–');
  assert.equal(formatPoints(1.2345), '+1.23 pp');
  assert.equal(formatPoints(-12.34), '−12.3 pp');
  assert.equal(formatPoints(null), '–');
});

test('the function view of a comparison: totals side by side with the change', async () => {
  const { totalLines, formatCountChange, changeClass } = await import('../../web/js/components/comparefunction.js');
  const row = {
    name: 'slow_sum', file: 'app.py', line: 13, match: 'line',
    base: { id: 9, ncalls: 3, pcalls: 3, tottime: 0.002, cumtime: 0.002 },
    new: { id: 3, ncalls: 5, pcalls: 5, tottime: 0.0035, cumtime: 0.004 },
    change: { ncalls: 2, tottime: 0.0015, cumtime: 0.002 }, ratio: { tottime: 1.75, cumtime: 2 },
  };
  const lines = totalLines(row);
  assert.deepEqual(lines.map((l) => l[0]), ['calls', 'own time', 'cumulative']);
  assert.deepEqual(lines[0].slice(1, 4), ['3', '5', '+2']);
  assert.equal(lines[1][3], '+1.5 ms');
  assert.equal(lines[2][4], '0.002'); // exact BASE seconds in the title
  const gone = totalLines({ ...row, new: null, change: { ncalls: -3, tottime: -0.002, cumtime: -0.002 } });
  assert.equal(gone[0][2], '–');
  assert.equal(gone[0][5], 'not in this run');
  assert.equal(gone[0][3], '−3');
  assert.equal(formatCountChange(0), '0');
  assert.equal(changeClass(-1), 'faster');
  assert.equal(changeClass(0), 'same');
});
