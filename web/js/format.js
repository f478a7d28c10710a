// format.js: how numbers from a profile are written in the UI. Pure functions,
// no DOM, unit-tested in tests/web/format.test.mjs.

/** Seconds as a short human string: "1.23 s", "45.6 ms", "789 µs", "12 ns". */
export function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const a = Math.abs(seconds);
  if (a === 0) return '0 s';
  if (a >= 100) return seconds.toFixed(0) + ' s';
  if (a >= 1) return trim(seconds, 3) + ' s';
  if (a >= 1e-3) return trim(seconds * 1e3, 3) + ' ms';
  if (a >= 1e-6) return trim(seconds * 1e6, 3) + ' µs';
  return trim(seconds * 1e9, 3) + ' ns';
}

// Three significant digits, without trailing zeros.
function trim(v, digits) {
  return String(Number(v.toPrecision(digits)));
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
  return Math.round(n).toLocaleString('en-US');
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
