import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTreePath } from '../../web/js/rootpath.js';

// callers graph: 0 is the tree root; 0 -> 1 -> 3 -> 5, 0 -> 2 -> 5, 4 (a root of its own) -> 5.
const callersOf = { 0: [], 1: [{ id: 0, cumtime: 5 }], 2: [{ id: 0, cumtime: 3 }], 3: [{ id: 1, cumtime: 4 }], 4: [], 5: [{ id: 3, cumtime: 2 }, { id: 2, cumtime: 1 }, { id: 4, cumtime: 0.5 }] };
const opts = (top, reject = () => false) => {
  const calls = [];
  return {
    calls,
    top,
    callers: async (f) => (calls.push(f), callersOf[f] || []),
    check: async (p) => {
      if (reject(p)) throw new Error('no');
    },
  };
};

test('finds the shortest caller path from a real tree root', async () => {
  const o = opts({ id: 0, children: [] });
  assert.deepEqual(await findTreePath('p', 5, o), [0, 2, 5]);
});

test('the tree root itself is its own path', async () => {
  assert.deepEqual(await findTreePath('p', 0, opts({ id: 0 })), [0]);
});

test('under a synthetic root any real root is a start', async () => {
  const o = opts({ id: -1, children: [{ id: 0 }, { id: 4 }] });
  assert.deepEqual(await findTreePath('p', 5, o), [4, 5]);
  assert.deepEqual(await findTreePath('p', 4, o), [4]);
});

test('a path the server rejects is skipped for the next one', async () => {
  const o = opts({ id: 0 }, (p) => p.join() === '0,2,5');
  assert.deepEqual(await findTreePath('p', 5, o), [0, 1, 3, 5]);
});

test('gives up with null after maxFunctions lookups', async () => {
  const o = opts({ id: 99 });
  assert.equal(await findTreePath('p', 5, { ...o, maxFunctions: 2, batch: 1 }), null);
  assert.ok(o.calls.length <= 2);
});
