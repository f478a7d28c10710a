// boot.js keeps copies of urlstate.js's URL rules and plan.js's pane plan so
// that it needs no other file; these tests hold the copies to the originals,
// and its URLs to the ones api.js writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDepth, startState, startRequests, startTree, START_CUTOFF, START_SORT, PAGE_SIZE } from '../../web/js/boot.js';
import { parseState, DEFAULT_CUTOFF, DEFAULT_SORT, MAX_DEPTH, defaultOrder } from '../../web/js/urlstate.js';
import { paneHeight, chartHeight, icicleDepth } from '../../web/js/plan.js';
import { getTree, getFunctions } from '../../web/js/api.js';

test('boot.js start figures are urlstate.js defaults', () => {
  assert.equal(START_CUTOFF, DEFAULT_CUTOFF);
  assert.equal(START_SORT, DEFAULT_SORT);
  assert.equal(defaultOrder(START_SORT), 'desc');
  assert.equal(MAX_DEPTH, 60);
});

test('boot.js depth is plan.js depth for every window height and saved pane', () => {
  for (let h = 200; h <= 2400; h += 7) {
    for (const saved of [NaN, 0, 150, 333, 600, 5000]) {
      assert.equal(startDepth(h, saved), icicleDepth(chartHeight(paneHeight(h, saved))), `height ${h}, saved ${saved}`);
    }
  }
});

test('boot.js reads a query string as parseState does, or leaves it to app.js', () => {
  const cases = ['', '?profile=a', '?profile=a&path=1,2,x,3', '?path=&depth=7', '?depth=0', '?depth=99', '?depth=abc', '?cutoff=0', '?cutoff=0.05',
    '?cutoff=2', '?cutoff=-1', '?cutoff=x', '?q=find%20me&offset=200', '?offset=-3', '?view=icicle', '?fn=12&colour=self', '?path=5&q=a&offset=100'];
  for (const c of cases) {
    const b = startState(c);
    const s = parseState(c);
    assert.ok(b.tree && b.page, c);
    assert.deepEqual(b.tree, { path: s.path, depth: s.depth, cutoff: s.cutoff }, c);
    assert.deepEqual(b.page, { q: s.q, offset: s.offset }, c);
    assert.equal(s.sort, START_SORT);
    assert.equal(s.order, 'desc');
  }
  for (const c of ['?view=sunburst', '?fold=1', '?base=b', '?view=compare&base=b']) assert.equal(startState(c).tree, null, c);
  for (const c of ['?sort=cumtime', '?order=asc', '?sub=1']) assert.equal(startState(c).page, null, c);
});

test('boot.js asks for the very URLs api.js asks for', async () => {
  const urls = [];
  globalThis.fetch = async (url) => {
    urls.push(url);
    return { ok: true, status: 200, json: async () => ({}) };
  };
  try {
    for (const c of ['?profile=a b', '?path=1,2&depth=9&cutoff=0.01&q=x%26y&offset=100']) {
      const r = startRequests('id/1', startState(c), 23);
      await getTree('id/1', r.tree.opts);
      await getFunctions('id/1', r.page.opts);
      assert.deepEqual(urls.splice(0), [r.tree.url, r.page.url], c);
    }
    assert.equal(startRequests('p', startState(''), 500).tree.opts.depth, 60, 'at most MAX_DEPTH levels');
    assert.equal(startRequests('p', startState('?sort=name'), 9).page, null);
  } finally {
    delete globalThis.fetch;
  }
});

test('boot.js uses the start tree of the page only where it holds what the pane asks', () => {
  const leaf = (id) => ({ id, time: 1, children: [] });
  const body = { path: [1], root: { id: 1, time: 3, children: [leaf(2), { id: 3, time: 1, children: [leaf(4)] }] } };
  const page = { profile: 'abc', path: [], depth: 40, cutoff: START_CUTOFF, max_nodes: 5000, body };
  const req = (opts) => ({ opts: { path: [], depth: 23, cutoff: START_CUTOFF, ...opts } });
  assert.equal(startTree(page, 'abc', req({})), body);
  assert.equal(startTree(page, 'abc', req({ depth: 40 })), body, 'as deep as asked');
  assert.equal(startTree(page, 'abc', req({ depth: 41 })), null, 'a deeper pane asks the API');
  assert.equal(startTree(page, 'abd', req({})), null, 'another profile');
  assert.equal(startTree(page, 'abc', req({ path: [1] })), null, 'another view root');
  assert.equal(startTree(page, 'abc', req({ cutoff: 0.01 })), null, 'another cutoff');
  assert.equal(startTree({ ...page, max_nodes: 4 }, 'abc', req({})), null, 'cut by its node budget: 4 nodes of at most 4');
  assert.equal(startTree({ ...page, max_nodes: 5 }, 'abc', req({})), body, '4 nodes of at most 5');
  assert.equal(startTree(null, 'abc', req({})), null);
  assert.equal(startTree({ ...page, body: null }, 'abc', req({})), null);
  assert.equal(startTree(page, 'abc', null), null, 'no tree request: another view');
});

test('boot.js reads the compact start tree of the page into the nested form', () => {
  // 1 -> (2, 3 -> 4), breadth-first: 1, 2, 3, 4
  const fn = (id) => [id, `f${id}`, 0, id, 3, 1, 1, 1];
  const node = (f, time, kids) => [f, time, 1, 1, 0, 0, 0, kids];
  const body = { path: [1], form: 'compact', files: ['a.py'], functions: [fn(1), fn(2), fn(3), fn(4)], whys: [null], nodes: [...node(0, 3, 2), ...node(1, 1, 0), ...node(2, 1, 1), ...node(3, 1, 0)] };
  const page = { profile: 'abc', path: [], depth: 40, cutoff: START_CUTOFF, max_nodes: 5000, body };
  const req = { opts: { path: [], depth: 23, cutoff: START_CUTOFF } };
  const t = startTree(page, 'abc', req);
  assert.deepEqual(t.path, [1]);
  assert.deepEqual([t.root.id, t.root.children.map((c) => c.id), t.root.children[1].children.map((c) => c.id)], [1, [2, 3], [4]]);
  assert.equal(t.root.children[1].children[0].file, 'a.py');
  assert.equal(startTree({ ...page, max_nodes: 4 }, 'abc', req), null, 'cut by its node budget: 4 nodes of at most 4');
  assert.notEqual(startTree({ ...page, max_nodes: 5 }, 'abc', req), null, '4 nodes of at most 5');
  assert.equal(startTree({ ...page, body: { ...body, nodes: [] } }, 'abc', req), null, 'no nodes: the page asks the API');
});
