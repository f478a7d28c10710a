// treeform.js: the compact form of a tree reads back into the nested form,
// node for node and number for number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandTree, COMPACT_STRIDE } from '../../web/js/treeform.js';

// the nested form as the server writes it (server/api_tree.c put_tree_node)
const nested = {
  path: [7],
  root: {
    id: 7, name: 'exec', file: '~', line: 0, time: 2.5, calls: 1, exact: true, reentry: false, why: null,
    cumtime: 2.5, tottime: 0.125, ncalls: 1, pcalls: 1,
    children: [
      {
        id: 3, name: 'main', file: 'a.py', line: 10, time: 2, calls: 2, exact: false, reentry: false, why: 'several-callers',
        cumtime: 3, tottime: 0.5, ncalls: 4, pcalls: 4, hidden: { time: 0.0001, count: 2 },
        children: [{ id: 7, name: 'exec', file: '~', line: 0, time: 1e-7, calls: 1, exact: false, reentry: true, why: 'recursive-parent', cumtime: 2.5, tottime: 0.125, ncalls: 1, pcalls: 1, children: [], more: false }],
        more: true,
      },
      { id: 4, name: 'helper', file: 'a.py', line: 20, time: 0.25, calls: 9007199254740991, exact: true, reentry: false, why: null, cumtime: 0.25, tottime: 0.25, ncalls: 9007199254740991, pcalls: 3, children: [], more: false },
    ],
    more: false,
  },
};
// the same tree in the compact form (server/api_tree.c put_compact): breadth-first
const compact = {
  path: [7],
  form: 'compact',
  files: ['~', 'a.py'],
  functions: [[7, 'exec', 0, 0, 2.5, 0.125, 1, 1], [3, 'main', 1, 10, 3, 0.5, 4, 4], [4, 'helper', 1, 20, 0.25, 0.25, 9007199254740991, 3]],
  whys: [null, 'several-callers', 'recursive-parent', 'estimated-parent', 'calls-only', 'overlapping-roots'],
  nodes: [
    0, 2.5, 1, 1, 0, 0, 0, 2,
    1, 2, 2, 4, 1, 0.0001, 2, 1,
    2, 0.25, 9007199254740991, 1, 0, 0, 0, 0,
    0, 1e-7, 1, 2, 2, 0, 0, 0,
  ],
};

test('the compact form reads back into the nested form, the same numbers', () => {
  assert.equal(compact.nodes.length, 4 * COMPACT_STRIDE);
  assert.deepEqual(expandTree(compact), nested);
});

test('nodes of one function share its strings; a nested body is returned as it is', () => {
  const t = expandTree(compact);
  assert.equal(t.root.children[0].children[0].name, t.root.name);
  assert.equal(expandTree(nested), nested);
  assert.equal(expandTree(null), null);
});

test('the synthetic root has no function totals; an empty tree has no root', () => {
  const t = expandTree({ path: [], form: 'compact', files: [], functions: [], whys: [null], nodes: [-1, 3, 0, 1, 0, 0, 0, 0] });
  assert.deepEqual(t, { path: [], root: { id: -1, name: '<all roots>', file: '', line: 0, time: 3, calls: 0, exact: true, reentry: false, why: null, children: [], more: false } });
  assert.deepEqual(expandTree({ path: [], form: 'compact', files: [], functions: [], whys: [null], nodes: [] }), { path: [] });
});
