import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseTimestamp, formatDateTime, formatRelative } from '../../web/js/format.js';
import { newestFirst, sameIds, wantsStartPage } from '../../web/js/listing.js';
import { shareableUrl } from '../../web/js/urlstate.js';

test('formatBytes: bytes, then KB/MB/GB with three significant digits', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(812), '812 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1 KB');
  assert.equal(formatBytes(1068), '1.04 KB');
  assert.equal(formatBytes(26855), '26.2 KB');
  assert.equal(formatBytes(200 * 1024), '200 KB');
  assert.equal(formatBytes(5.5 * 1024 * 1024), '5.5 MB');
  assert.equal(formatBytes(200 * 1024 * 1024), '200 MB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3 GB');
  // rounding never shows "1024 KB"
  assert.equal(formatBytes(1024 * 1024 - 1), '1 MB');
  assert.equal(formatBytes(NaN), '–');
  assert.equal(formatBytes(-1), '–');
  assert.equal(formatBytes(undefined), '–');
});

test('parseTimestamp reads ISO 8601 UTC and refuses anything else', () => {
  assert.equal(parseTimestamp('2026-11-25T10:33:00Z'), Date.UTC(2026, 10, 25, 10, 33, 0));
  assert.equal(parseTimestamp('2026-11-25T10:33:00.250Z'), Date.UTC(2026, 10, 25, 10, 33, 0, 250));
  assert.ok(Number.isNaN(parseTimestamp(undefined)));
  assert.ok(Number.isNaN(parseTimestamp(null)));
  assert.ok(Number.isNaN(parseTimestamp('')));
  assert.ok(Number.isNaN(parseTimestamp('yesterday')));
  assert.ok(Number.isNaN(parseTimestamp(1764066780000)));
});

test('formatDateTime shows local time as YYYY-MM-DD HH:MM', () => {
  assert.equal(formatDateTime(new Date(2026, 10, 25, 9, 5, 59).getTime()), '2026-11-25 09:05');
  assert.equal(formatDateTime(new Date(2027, 0, 1, 23, 59).getTime()), '2027-01-01 23:59');
  assert.equal(formatDateTime(NaN), '–');
  // a UTC timestamp is shown in the local zone
  const t = parseTimestamp('2026-11-25T10:33:00Z');
  const d = new Date(t);
  assert.equal(formatDateTime(t).slice(-5), `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`);
});

test('formatRelative: just now, minutes, hours, yesterday, days, months, years', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);
  const ago = (s) => formatRelative(now - s * 1000, now);
  assert.equal(ago(0), 'just now');
  assert.equal(ago(44), 'just now');
  assert.equal(ago(60), '1 minute ago');
  assert.equal(ago(3 * 60), '3 minutes ago');
  assert.equal(ago(59 * 60), '59 minutes ago');
  assert.equal(ago(59 * 60 + 50), '1 hour ago');
  assert.equal(ago(5 * 3600), '5 hours ago');
  assert.equal(ago(26 * 3600), 'yesterday');
  assert.equal(ago(5 * 86400), '5 days ago');
  assert.equal(ago(29 * 86400), '29 days ago');
  assert.equal(ago(45 * 86400), '2 months ago');
  assert.equal(ago(400 * 86400), '1 year ago');
  assert.equal(ago(3 * 365 * 86400), '3 years ago');
  // clock skew: a little ahead is "just now", far ahead says so
  assert.equal(ago(-20), 'just now');
  assert.equal(ago(-3 * 3600), 'in 3 hours');
  assert.equal(ago(-30 * 3600), 'tomorrow');
  assert.equal(formatRelative(NaN, now), '');
});

test('newestFirst sorts by modified, unknown times last, ties in server order', () => {
  const list = [
    { id: 'a', modified: '2026-11-25T08:00:00Z' },
    { id: 'b' },
    { id: 'c', modified: '2026-11-25T10:33:00Z' },
    { id: 'd', modified: '2026-11-25T08:00:00Z' },
    { id: 'e', modified: 'garbage' },
  ];
  assert.deepEqual(newestFirst(list).map((p) => p.id), ['c', 'a', 'd', 'b', 'e']);
  assert.deepEqual(list.map((p) => p.id), ['a', 'b', 'c', 'd', 'e'], 'input left as it was');
  assert.deepEqual(newestFirst([]), []);
});

test('sameIds compares ids in order', () => {
  assert.ok(sameIds([{ id: 'a' }, { id: 'b' }], [{ id: 'a' }, { id: 'b' }]));
  assert.ok(!sameIds([{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'a' }]));
  assert.ok(!sameIds([{ id: 'a' }], [{ id: 'a' }, { id: 'b' }]));
});

test('wantsStartPage: one profile without uploads opens straight on it', () => {
  assert.equal(wantsStartPage(1, false), false);
  assert.equal(wantsStartPage(1, undefined), false);
  assert.equal(wantsStartPage(1, true), true);
  assert.equal(wantsStartPage(2, false), true);
  assert.equal(wantsStartPage(0, false), true);
  assert.equal(wantsStartPage(0, true), true);
});

test('shareableUrl drops a token and keeps everything else', () => {
  assert.equal(shareableUrl('http://h:8080/?token=secret'), 'http://h:8080/');
  assert.equal(
    shareableUrl('http://h:8080/?token=secret&profile=ab12&path=0,5,17&view=sunburst'),
    'http://h:8080/?profile=ab12&path=0,5,17&view=sunburst',
  );
  assert.equal(shareableUrl('http://h/?profile=ab12&token=x&token=y&q=a+b'), 'http://h/?profile=ab12&q=a+b');
  assert.equal(shareableUrl('http://h/?profile=ab12&path=1,2'), 'http://h/?profile=ab12&path=1,2');
  assert.equal(shareableUrl('http://h/'), 'http://h/');
});
