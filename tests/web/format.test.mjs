import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatTime, formatSeconds, formatPercent, formatCount, formatNcalls, formatLocation, formatFileLine, shortPath,
} from '../../web/js/format.js';

test('formatTime picks a unit and keeps three significant digits', () => {
  assert.equal(formatTime(0), '0 s');
  assert.equal(formatTime(1.23456), '1.23 s');
  assert.equal(formatTime(0.0456), '45.6 ms');
  assert.equal(formatTime(0.000789), '789 µs');
  assert.equal(formatTime(1.2e-8), '12 ns');
  assert.equal(formatTime(250), '250 s');
  assert.equal(formatTime(NaN), '–');
});

test('formatSeconds prints like pstats', () => {
  assert.equal(formatSeconds(0.0421), '0.042');
  assert.equal(formatSeconds(12), '12.000');
});

test('formatPercent', () => {
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(1), '100%');
  assert.equal(formatPercent(0.1234), '12.3%');
  assert.equal(formatPercent(0.0512), '5.12%');
  assert.equal(formatPercent(0.00001), '<0.1%');
  assert.equal(formatPercent(0.5), '50%');
});

test('formatCount adds separators', () => {
  assert.equal(formatCount(300000), '300,000');
  assert.equal(formatCount(7), '7');
});

test('formatNcalls shows primitive calls only when they differ', () => {
  assert.equal(formatNcalls(5, 5), '5');
  assert.equal(formatNcalls(12, 3), '12/3');
  assert.equal(formatNcalls(4), '4');
});

test('formatLocation follows pstats, braces for built-ins', () => {
  assert.equal(formatLocation('a.py', 3, 'f'), 'a.py:3(f)');
  assert.equal(formatLocation('~', 0, '<built-in method builtins.len>'), '{<built-in method builtins.len>}');
  assert.equal(formatFileLine('~', 0), 'built-in');
  assert.equal(formatFileLine('a.py', 9), 'a.py:9');
});

test('shortPath keeps the last components of long paths', () => {
  assert.equal(shortPath('a.py'), 'a.py');
  assert.equal(shortPath('/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py'), '…/python3.11/json/decoder.py');
});

// The first toLocaleString, localeCompare or Intl call of a page loads ICU's
// locale data: 20-80 ms on the main thread (it held the function view's first
// draw back by about 70 ms). The UI formats by hand (formatCount) instead.
test('no module of the web UI calls into locale data', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = new URL('../../web/js/', import.meta.url).pathname;
  const files = readdirSync(root, { recursive: true }).filter((f) => f.endsWith('.js'));
  assert.ok(files.length > 20, `modules found: ${files.length}`);
  const offenders = [];
  for (const f of files) {
    readFileSync(join(root, f), 'utf8').split('\n').forEach((line, k) => {
      const code = line.replace(/\/\/.*$/, '');
      if (/\.toLocale\w*String\(|\.localeCompare\(|\bIntl\./.test(code)) offenders.push(`${f}:${k + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});
