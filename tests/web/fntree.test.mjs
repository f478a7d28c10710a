// Unit tests of web/js/fntree.js (the function view's tree rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeRows, firstLevel, firstLevelTime, whyText, siteLabel } from '../../web/js/fntree.js';

const tree = {
  id: 9,
  time: 3,
  children: [
    { id: 1, time: 2, exact: true, children: [{ id: 4, time: 1.5, exact: false, why: 'several-callers', children: [] }] },
    { id: 2, time: 0.5, exact: true, children: [], hidden: { time: 0.1, count: 1 } },
    { id: 3, time: 0.25, exact: true, children: [] },
  ],
  hidden: { time: 0.25, count: 2 },
};

test('closed rows hide their children; open ones show them one level deeper', () => {
  assert.deepEqual(
    treeRows(tree, new Set()).map((r) => [r.key, r.depth, r.hasKids, r.open]),
    [
      ['1', 0, true, false],
      ['2', 0, true, false],
      ['3', 0, false, false],
    ],
  );
  const rows = treeRows(tree, new Set(['1']));
  assert.deepEqual(
    rows.map((r) => r.key),
    ['1', '1,4', '2', '3'],
  );
  assert.equal(rows[1].depth, 1);
});

test('a key names the whole chain, so the same function under two parents opens apart', () => {
  const t = { children: [{ id: 1, children: [{ id: 5, children: [{ id: 6, children: [] }] }] }, { id: 2, children: [{ id: 5, children: [{ id: 6, children: [] }] }] }] };
  const rows = treeRows(t, new Set(['1', '2', '2,5']));
  assert.deepEqual(
    rows.map((r) => r.key),
    ['1', '1,5', '2', '2,5', '2,5,6'],
  );
});

test('the first level with its hidden remainder adds up', () => {
  assert.deepEqual(firstLevel(tree), [
    { id: 1, time: 2 },
    { id: 2, time: 0.5 },
    { id: 3, time: 0.25 },
  ]);
  assert.equal(firstLevelTime(tree), 3);
  assert.deepEqual(firstLevel(null), []);
});

test('estimates say why; measured numbers say nothing', () => {
  assert.equal(whyText({ exact: true }), null);
  assert.match(whyText({ exact: false, why: 'several-callers' }), /estimated/);
  assert.match(whyText({ exact: false, why: 'calls-only' }), /call counts/);
});

test('a site label keeps the last names', () => {
  assert.equal(siteLabel(['a', 'b']), 'a › b');
  assert.equal(siteLabel(['a', 'b', 'c', 'd']), '… › b › c › d');
});
