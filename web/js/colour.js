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
