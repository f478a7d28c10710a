// format.js: how numbers from a profile are written in the UI. Pure functions,
// no DOM, unit-tested in tests/web/format.test.mjs.

/**
 * Seconds for people, the one time format of the UI (chart, tooltip, table,
 * details): adaptive units at three significant digits, "1.23 s", "45.6 ms",
 * "789 µs", "12 ns"; 100 s and more in whole seconds. A value that rounds up
 * to 1000 of a unit is written in the next unit ("1 s", not "1000 ms").
 */
export function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const a = Math.abs(seconds);
  if (a === 0) return '0 s';
  const units = [
    [1, ' s'],
    [1e-3, ' ms'],
    [1e-6, ' µs'],
    [1e-9, ' ns'],
  ];
  if (Number(a.toPrecision(3)) >= 100) return Math.round(seconds) + ' s';
  for (const [scale, name] of units) {
    if (Number(a.toPrecision(3)) >= scale || scale === 1e-9) return trim(seconds / scale, 3) + name;
  }
  return '–';
}

// Three significant digits, without trailing zeros.
function trim(v, digits) {
  return String(Number(v.toPrecision(digits)));
}

/** The exact double of a time, for a title attribute: "0.000123456 s". */
export function formatTimeExact(seconds) {
  return Number.isFinite(seconds) ? `${seconds} s` : '–';
}

/** Seconds the way pstats prints them: fixed, 3 decimals ("0.042"). */
export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  return seconds.toFixed(3);
}

/** A fraction as a percentage: 0.1234 -> "12.3%", tiny values -> "<0.1%". */
export function formatPercent(fraction) {
  if (!Number.isFinite(fraction)) return '–';
  const p = fraction * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  if (p >= 99.95 && p <= 100.05) return '100%';
  return (p >= 10 ? p.toFixed(1) : p.toFixed(2)).replace(/\.?0+$/, '') + '%';
}

/** An integer with thousands separators: 300000 -> "300,000". */
export function formatCount(n) {
  if (!Number.isFinite(n)) return '–';
  // by hand: the first toLocaleString call loads locale data (tens of ms)
  const s = String(Math.abs(Math.round(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 && Math.round(n) !== 0 ? '-' + grouped : grouped;
}

/** pstats' ncalls column: "12" or "12/3" when primitive calls differ (recursion). */
export function formatNcalls(ncalls, pcalls) {
  if (pcalls === undefined || pcalls === ncalls) return String(ncalls);
  return `${ncalls}/${pcalls}`;
}

/** pstats' last column: "file:line(name)"; built-ins ("~", line 0) are "{name}". */
export function formatLocation(file, line, name) {
  if (file === '~' && !line) return `{${name}}`;
  return `${file}:${line}(${name})`;
}

/** "file:line" for a tooltip, or "built-in" for functions without a file. */
export function formatFileLine(file, line) {
  if (!file || file === '~') return 'built-in';
  return line ? `${file}:${line}` : file;
}

/**
 * A long file path shortened from the left to its last `keep` components
 * ("/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py" ->
 * "…/python3.11/json/decoder.py"); short paths are returned as they are.
 */
export function shortPath(file, keep = 3, maxLen = 40) {
  if (!file || file.length <= maxLen) return file;
  const parts = file.split(/[\\/]/);
  if (parts.length <= keep) return file;
  return '…/' + parts.slice(-keep).join('/');
}

/** A byte count for people: "812 B", "4.5 KB", "12.3 MB", "1.2 GB" (1 KB = 1024 B). */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  // three significant digits, but never "1024 KB": rounding up moves to the next unit
  let s = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  if (Number(s) >= 1024 && u < units.length - 1) {
    u++;
    s = (Number(s) / 1024).toFixed(2);
  }
  return `${String(Number(s))} ${units[u]}`;
}

/** An ISO 8601 timestamp ("2026-11-25T10:33:00Z") as milliseconds, NaN when absent or unreadable. */
export function parseTimestamp(iso) {
  if (typeof iso !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso)) return NaN;
  return Date.parse(iso);
}

const pad2 = (n) => String(n).padStart(2, '0');

/** Milliseconds as a local date and time, "2026-11-25 11:33"; "–" when unknown. */
export function formatDateTime(ms) {
  if (!Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/**
 * How long ago ms was, seen from now: "just now", "1 minute ago",
 * "3 hours ago", "yesterday", "5 days ago", "2 months ago", "1 year ago".
 * A time a little in the future (clock skew between server and browser) is
 * "just now"; further ahead it is "in 3 hours".
 */
export function formatRelative(ms, now = Date.now()) {
  if (!Number.isFinite(ms) || !Number.isFinite(now)) return '';
  const diff = now - ms;
  const ahead = diff < 0;
  const s = Math.abs(diff) / 1000;
  if (s < 45) return 'just now';
  const steps = [
    [60, 'minute', 60],
    [3600, 'hour', 24],
    [86400, 'day', 30],
    [86400 * 30, 'month', 12],
    [86400 * 365, 'year', Infinity],
  ];
  for (const [unit, name, limit] of steps) {
    let v = Math.round(s / unit);
    if (v < 1) v = 1;
    if (v < limit || limit === Infinity) {
      if (name === 'day' && v === 1) return ahead ? 'tomorrow' : 'yesterday';
      const words = `${v} ${name}${v === 1 ? '' : 's'}`;
      return ahead ? `in ${words}` : `${words} ago`;
    }
  }
  return '';
}
