import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../web/js/store.js';

function setup(search = '?profile=p1') {
  const urls = { search, pushed: [], replaced: [] };
  const nav = {
    search: () => urls.search,
    push: (u) => (urls.pushed.push(u), (urls.search = u)),
    replace: (u) => (urls.replaced.push(u), (urls.search = u)),
  };
  const calls = [];
  const api = {
    getTree: async (p, o) => (calls.push(['tree', p, o]), { path: o.path, root: { id: 1, name: 'root', time: 1, children: [{ id: 2, name: 'kid', time: 1, children: [] }] } }),
    getFunction: async (p, f) => (calls.push(['fn', p, f]), f === 99 ? Promise.reject(new Error('404')) : { function: { id: f, name: `f${f}` }, callers: [], callees: [] }),
    getFunctions: async (p, o) => (calls.push(['functions', p, o]), { total: 1, rows: [{ id: 7, name: 'seven' }] }),
  };
  return { store: new Store(api, nav, ['icicle', 'sunburst']), urls, calls };
}

test('the state comes from the URL and every change goes back to it', () => {
  const { store, urls } = setup('?profile=p1&sort=cumtime&offset=100');
  assert.equal(store.state.sort, 'cumtime');
  assert.equal(store.state.offset, 100);
  const seen = [];
  store.subscribe((s, prev) => seen.push([prev.view, s.view]));
  assert.ok(store.set({ view: 'sunburst' }));
  assert.deepEqual(seen, [['icicle', 'sunburst']]);
  assert.equal(urls.pushed.at(-1), '?profile=p1&view=sunburst&sort=cumtime&offset=100');
  assert.ok(!store.set({ view: 'sunburst' }), 'no change, no event');
  assert.equal(seen.length, 1);
  store.set({ offset: 0 }, { push: false });
  assert.equal(urls.replaced.at(-1), '?profile=p1&view=sunburst&sort=cumtime');
  store.set({ q: 'x' }, { push: false, quiet: true });
  assert.equal(seen.length, 2, 'a quiet change tells nobody');
  assert.equal(store.state.q, 'x');
  urls.search = '?profile=p2';
  store.fromUrl();
  assert.equal(store.state.profile, 'p2');
  assert.equal(seen.length, 3);
});

test('fetches are cached: a second asker gets the same promise; failures are forgotten', async () => {
  const { store, calls } = setup();
  const a = store.tree('p1', { path: [1], depth: 5, cutoff: 0 });
  const b = store.tree('p1', { path: [1], depth: 5, cutoff: 0 });
  assert.equal(a, b);
  await a;
  assert.equal(calls.filter((c) => c[0] === 'tree').length, 1);
  store.tree('p1', { path: [1], depth: 6, cutoff: 0 });
  assert.equal(calls.filter((c) => c[0] === 'tree').length, 2);
  assert.equal(await store.nameOf('p1', 2), 'kid', 'names are remembered from tree nodes');
  await assert.rejects(store.fn('p1', 99));
  await store.fn('p1', 99).catch(() => {});
  assert.equal(calls.filter((c) => c[0] === 'fn' && c[2] === 99).length, 2, 'a failed fetch is asked again');
  assert.equal(await store.nameOf('p1', 99), '#99');
  const page = { sort: 'tottime', order: 'desc', q: '', offset: 0, limit: 100 };
  await store.functions('p1', page);
  await store.functions('p1', { ...page });
  assert.equal(calls.filter((c) => c[0] === 'functions').length, 1);
  assert.equal(await store.nameOf('p1', 7), 'seven');
});

test('a function summary comes from a table row already seen, else from the function request', async () => {
  const { store, calls } = setup();
  await store.functions('p1', { sort: 'tottime', order: 'desc', q: '', offset: 0, limit: 100 });
  const row = await store.summary('p1', 7);
  assert.equal(row.name, 'seven');
  assert.ok(!calls.some((c) => c[0] === 'fn'), 'no function request for a row seen');
  const other = await store.summary('p1', 8);
  assert.deepEqual(other, { id: 8, name: 'f8' });
  assert.deepEqual(calls.filter((c) => c[0] === 'fn'), [['fn', 'p1', 8]]);
  // a page started elsewhere (boot.js) counts too
  store.seedFunctions('p2', { sort: 'tottime', order: 'desc', q: '', offset: 0, limit: 100 }, Promise.resolve({ total: 1, rows: [{ id: 3, name: 'three' }] }));
  await store.functions('p2', { sort: 'tottime', order: 'desc', q: '', offset: 0, limit: 100 });
  assert.equal((await store.summary('p2', 3)).name, 'three');
  assert.equal(calls.filter((c) => c[0] === 'fn').length, 1);
});
