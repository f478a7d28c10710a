// colour.js: stable colours for functions, keyed by their file or module, so
// that one module keeps its colour across views, drill-downs and reloads.
// Pure functions, unit-tested in tests/web/colour.test.mjs.

/** FNV-1a hash of a string, as an unsigned 32-bit integer. */
export function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The key that decides a function's colour: its module, taken from the file
 * path ("/usr/lib/python3.11/json/decoder.py" -> "json/decoder"), or for
 * built-ins ("~") the object the method belongs to ("builtins", "re.Pattern").
 */
export function colourKey(file, name) {
  if (!file || file === '~') {
    const m = /^<(?:built-in )?method (\S+?) of (\S+)/.exec(name || '');
    if (m) return 'builtin:' + m[2].replace(/[^\w.]/g, '');
    const b = /^<built-in method ([\w.]+)\.\w+>$/.exec(name || '');
    if (b) return 'builtin:' + b[1];
    return 'builtin';
  }
  const parts = file.replace(/\\/g, '/').replace(/\.pyc?$/, '').split('/').filter(Boolean);
  const tail = parts.slice(-2);
  if (tail[tail.length - 1] === '__init__') tail.pop();
  return tail.join('/');
}

// Hues that read well as box fills in both themes, spread around the circle
// but skipping pure reds (which look like errors).
const HUES = [22, 42, 62, 95, 135, 165, 195, 215, 245, 275, 305, 335];

/**
 * Fill colour for a key as an "hsl(...)" string. Same key, same colour.
 * dark selects a deeper palette for the dark theme. shade (optional, e.g.
 * the function's name) varies the lightness a little within the key's hue,
 * so that neighbouring functions of one module stay apart.
 */
export function colourFor(key, dark = false, shade = '') {
  const h = hashString(key);
  const hue = HUES[h % HUES.length] + ((h >>> 8) % 11) - 5;
  const sat = (dark ? 34 : 48) + ((h >>> 12) % 18);
  const jitter = shade ? (hashString(shade) % 9) - 4 : 0;
  const light = (dark ? 40 + ((h >>> 16) % 8) : 70 + ((h >>> 16) % 8)) + jitter;
  return `hsl(${hue}, ${sat}%, ${light}%)`;
}

/** Colour of the synthetic "<all roots>" node and of boxes not matching a search. */
export function neutralColour(dark = false) {
  return dark ? 'hsl(220, 8%, 30%)' : 'hsl(220, 10%, 84%)';
}

/**
 * The "self time" heat scale: v from 0 (no own time) to 1 (the largest own
 * time in view) as an "hsl(...)" string, pale yellow to red in the light
 * theme, grey-blue to red in the dark one. v is taken through a square root
 * so that a function with a quarter of the largest own time is already warm.
 */
export function heatColour(v, dark = false) {
  const t = Math.sqrt(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
  const from = dark ? [215, 12, 30] : [48, 60, 90];
  const to = dark ? [4, 78, 52] : [2, 82, 58];
  const hue = from[0] > to[0] && from[0] - to[0] > 180 ? from[0] + (to[0] + 360 - from[0]) * t : from[0] + (to[0] - from[0]) * t;
  const sat = from[1] + (to[1] - from[1]) * t;
  const light = from[2] + (to[2] - from[2]) * t;
  return `hsl(${Math.round(hue) % 360}, ${Math.round(sat)}%, ${Math.round(light)}%)`;
}

/** Stops of the heat scale for a legend's gradient, from 0 to 1. */
export function heatStops(dark = false, n = 6) {
  return Array.from({ length: n }, (_, k) => heatColour(k / (n - 1), dark));
}

/**
 * The modules that take the most time among items (layout.js items), for
 * the "by module" legend: each module's time counts its outermost boxes only
 * (a box whose parent is of the same module adds nothing), so nested calls
 * are not counted twice. Returns [{key, time}] largest first, at most `top`.
 */
export function topModules(items, top = 6) {
  const keyOf = items.map((it) => (it.node.id < 0 ? null : colourKey(it.node.file, it.node.name)));
  const sums = new Map();
  items.forEach((it, i) => {
    const k = keyOf[i];
    if (k === null || (it.parent >= 0 && keyOf[it.parent] === k)) return;
    sums.set(k, (sums.get(k) || 0) + it.node.time);
  });
  return [...sums].map(([key, time]) => ({ key, time })).sort((a, b) => b.time - a.time).slice(0, top);
}
