import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseState, formatState, sameState, DEFAULT_DEPTH, DEFAULT_CUTOFF } from '../../web/js/urlstate.js';

test('empty query gives the defaults', () => {
  assert.deepEqual(parseState(''), { profile: null, path: [], view: 'icicle', q: '', depth: DEFAULT_DEPTH, cutoff: DEFAULT_CUTOFF, fn: null });
});

test('round trip keeps profile, path, view, search, depth, cutoff and function', () => {
  const s = { profile: 'ab12', path: [0, 5, 17], view: 'sunburst', q: 'json load', depth: 20, cutoff: 0.01, fn: 17 };
  const q = formatState(s);
  assert.equal(q, '?profile=ab12&path=0,5,17&view=sunburst&q=json+load&depth=20&cutoff=0.01&fn=17');
  assert.deepEqual(parseState(q), s);
});

test('defaults are left out of the URL', () => {
  assert.equal(formatState({ profile: 'p', path: [], view: 'icicle', q: '', depth: DEFAULT_DEPTH, cutoff: DEFAULT_CUTOFF, fn: null }), '?profile=p');
  assert.equal(formatState({}), '');
});

test('opaque profile ids are escaped', () => {
  const q = formatState({ profile: 'a b&c=d/é', path: [] });
  assert.equal(parseState(q).profile, 'a b&c=d/é');
});

test('junk in the URL is ignored, not trusted', () => {
  const s = parseState('?path=1,x,-3,4&view=<script>&depth=999&cutoff=7&fn=abc');
  assert.deepEqual(s.path, [1, 4]);
  assert.equal(s.view, 'icicle');
  assert.equal(s.depth, 60);
  assert.equal(s.cutoff, DEFAULT_CUTOFF);
  assert.equal(s.fn, null);
});

test('sameState compares what is shown', () => {
  assert.ok(sameState({ profile: 'p', path: [1] }, { profile: 'p', path: [1], view: 'icicle' }));
  assert.ok(!sameState({ profile: 'p', path: [1] }, { profile: 'p', path: [1, 2] }));
});
