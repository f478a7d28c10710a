import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseState, formatState, sameState, DEFAULT_DEPTH, DEFAULT_CUTOFF } from '../../web/js/urlstate.js';

test('empty query gives the defaults', () => {
  assert.deepEqual(parseState(''), {
    profile: null, path: [], view: 'icicle', q: '', depth: DEFAULT_DEPTH, cutoff: DEFAULT_CUTOFF, fn: null,
    sort: 'tottime', order: 'desc', offset: 0, colour: 'module', fold: false,
    base: null, side: 'new', threshold: 5, csort: 'change', corder: 'desc', cmode: 'absolute', coffset: 0, sub: false,
  });
  assert.equal(DEFAULT_DEPTH, null, 'no depth means: as many levels as fill the pane');
});

test('round trip keeps profile, path, view, search, depth, cutoff, function, table sort and offset, colour and fold', () => {
  const s = { profile: 'ab12', path: [0, 5, 17], view: 'sunburst', q: 'json load', depth: 20, cutoff: 0.01, fn: 17, sort: 'cumtime', order: 'asc', offset: 200, colour: 'self', fold: true, base: null, side: 'new', threshold: 5, csort: 'change', corder: 'desc', cmode: 'absolute', coffset: 0, sub: true };
  const q = formatState(s);
  assert.equal(q, '?profile=ab12&path=0,5,17&view=sunburst&q=json+load&depth=20&cutoff=0.01&fn=17&sort=cumtime&order=asc&offset=200&colour=self&fold=1&sub=1');
  assert.deepEqual(parseState(q), s);
});

test('a view name is kept only when it is a known view', () => {
  assert.equal(parseState('?view=compare', ['icicle', 'sunburst', 'compare']).view, 'compare');
  assert.equal(parseState('?view=compare').view, 'icicle');
});

test('text sorts start ascending, numbers descending; the default order is left out', () => {
  assert.equal(parseState('?sort=name').order, 'asc');
  assert.equal(formatState({ profile: 'p', sort: 'name', order: 'asc' }), '?profile=p&sort=name');
  assert.equal(formatState({ profile: 'p', sort: 'tottime', order: 'asc' }), '?profile=p&order=asc');
  assert.equal(parseState('?sort=evil&order=sideways&offset=-4').sort, 'tottime');
  assert.equal(parseState('?offset=-4').offset, 0);
});

test('defaults are left out of the URL', () => {
  assert.equal(formatState({ profile: 'p', path: [], view: 'icicle', q: '', depth: DEFAULT_DEPTH, cutoff: DEFAULT_CUTOFF, fn: null, sort: 'tottime', order: 'desc', offset: 0, colour: 'module', fold: false }), '?profile=p');
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

test('a comparison keeps base, side, threshold and its table sort; they need a base', () => {
  const s = parseState('?profile=n1&base=b1&side=base&threshold=2.5&csort=ratio&corder=asc&cmode=normalised&view=compare', ['icicle', 'compare']);
  assert.equal(s.base, 'b1');
  assert.equal(s.side, 'base');
  assert.equal(s.threshold, 2.5);
  assert.equal(s.csort, 'ratio');
  assert.equal(s.corder, 'asc');
  assert.equal(s.cmode, 'normalised');
  assert.equal(formatState(s), '?profile=n1&view=compare&base=b1&side=base&threshold=2.5&csort=ratio&corder=asc&cmode=normalised');
  assert.equal(formatState({ profile: 'n1', side: 'base', csort: 'ratio' }), '?profile=n1');
  // the comparison table's page: kept in the link, only for a comparison
  const paged = parseState('?profile=n1&base=b1&csort=ratio&coffset=300');
  assert.equal(paged.coffset, 300);
  assert.equal(formatState(paged), '?profile=n1&base=b1&csort=ratio&coffset=300');
  assert.equal(parseState(formatState({ ...paged, coffset: 0 })).coffset, 0);
  assert.equal(formatState({ ...paged, coffset: 0 }), '?profile=n1&base=b1&csort=ratio');
  assert.equal(formatState({ profile: 'n1', coffset: 300 }), '?profile=n1');
  assert.equal(parseState('?base=b&coffset=-5').coffset, 0);
  assert.equal(parseState('?base=b&coffset=x').coffset, 0);
  assert.equal(parseState('?base=b&csort=evil&threshold=-1').csort, 'change');
  assert.equal(parseState('?base=b&threshold=-1').threshold, 5);
  assert.equal(parseState('?base=b&csort=name').corder, 'asc');
});
