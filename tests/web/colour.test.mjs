import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashString, colourKey, colourFor, neutralColour } from '../../web/js/colour.js';

test('hashString is FNV-1a', () => {
  assert.equal(hashString(''), 0x811c9dc5);
  assert.equal(hashString('a'), 0xe40c292c);
});

test('colourKey groups functions by module', () => {
  assert.equal(colourKey('/usr/lib/python3.11/json/decoder.py', 'decode'), 'json/decoder');
  assert.equal(colourKey('/usr/lib/python3.11/json/__init__.py', 'loads'), 'json');
  assert.equal(colourKey('C:\\proj\\app\\main.py', 'run'), 'app/main');
  assert.equal(colourKey('workload.py', 'fib'), 'workload');
  assert.equal(colourKey('~', "<method 'sort' of 'list' objects>"), 'builtin:list');
  assert.equal(colourKey('~', '<built-in method builtins.len>'), 'builtin:builtins');
  assert.equal(colourKey('~', '<built-in method time.perf_counter>'), 'builtin:time');
});

test('colours are stable: same key, same colour; functions of one file share it', () => {
  const a = colourFor(colourKey('/x/pkg/mod.py', 'f'));
  const b = colourFor(colourKey('/x/pkg/mod.py', 'g'));
  assert.equal(a, b);
  assert.equal(colourFor('json/decoder'), colourFor('json/decoder'));
  assert.match(a, /^hsl\(\d+, \d+%, \d+%\)$/);
});

test('colours vary between modules and are lighter in the light theme', () => {
  const keys = ['json/decoder', 'json/encoder', 're/_parser', 'app/main', 'app/db', 'builtin:builtins', 'x/y', 'z'];
  const distinct = new Set(keys.map((k) => colourFor(k)));
  assert.ok(distinct.size >= 6, `only ${distinct.size} distinct colours`);
  for (const k of keys) {
    const light = Number(/(\d+)%\)$/.exec(colourFor(k))[1]);
    const dark = Number(/(\d+)%\)$/.exec(colourFor(k, true))[1]);
    assert.ok(light > dark);
  }
  assert.notEqual(neutralColour(false), neutralColour(true));
});
