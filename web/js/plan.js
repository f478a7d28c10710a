// plan.js: how tall the chart pane is and how many levels fill it, from the
// window size alone (no layout read), so that boot.js can ask for the tree
// before the page is laid out and app.js asks for the very same one. Pure,
// unit-tested in tests/web/plan.test.mjs.

export const ROW_HEIGHT = 20; // icicle row, CSS pixels
export const CHROME_TOP = 82; // header and crumbs bar above the chart pane
export const STATUS_BAR = 24; // the status line at the pane's foot
export const SPLITTER = 6;
export const SPLIT_KEY = 'profviz.chartHeight';

/**
 * The viewport's size in CSS pixels, {width, height}, as innerWidth and
 * innerHeight give it (scrollbars included), read from media queries, each
 * side found by halving an interval. Reading innerWidth or innerHeight makes
 * Chromium lay the page out first: at the start, before the page's script
 * has set the page up, that is a whole layout for nothing (15-30 ms on a
 * busy machine). A media query needs none. match: window.matchMedia; without
 * one, innerWidth and innerHeight.
 */
export function viewportSize(match = globalThis.matchMedia) {
  if (typeof match !== 'function') return { width: globalThis.innerWidth, height: globalThis.innerHeight };
  // the window's own size is kept until it is resized (every tree key asks
  // for it); the listener comes first (boot.js asks first), so a resize
  // handler of the page's never reads the size from before
  const own = match === globalThis.matchMedia;
  if (own && shownSize) return shownSize;
  const size = measureViewport(match);
  if (own && typeof globalThis.addEventListener === 'function') {
    if (!listening) globalThis.addEventListener('resize', () => (shownSize = null));
    listening = true;
    shownSize = size;
  }
  return size;
}

let shownSize = null; // viewportSize's, until the next resize
let listening = false;

function measureViewport(match) {
  const side = (feature) => {
    let lo = 0;
    let hi = 1 << 15; // larger than any screen
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (match(`(min-${feature}: ${mid}px)`).matches) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  return { width: side('width'), height: side('height') };
}

/** The table's share of the height below the chart: a third of the window, 160 to 260 px. */
export function tableHeight(innerHeight) {
  return Math.min(260, Math.max(160, Math.round(innerHeight * 0.32)));
}

/**
 * The chart pane's height in CSS pixels: the height the user dragged to
 * (saved, when it still leaves room for the table), else all the window
 * but the header and the table.
 */
export function paneHeight(innerHeight, saved = NaN) {
  const max = innerHeight - CHROME_TOP - SPLITTER - 120;
  const def = innerHeight - CHROME_TOP - SPLITTER - tableHeight(innerHeight);
  const h = saved > 0 ? Math.min(saved, max) : def;
  return Math.max(120, Math.round(h));
}

/** The drawing area's height inside a pane of height h. */
export function chartHeight(h) {
  return h - STATUS_BAR;
}

/** Levels below the view root that an icicle of height h shows. */
export function icicleDepth(h) {
  return Math.max(1, Math.floor((h - 4) / ROW_HEIGHT) - 1);
}

/** The sunburst's centre disc for a radius, and the levels whose rings stay minRing thick. */
export function sunburstCentre(radius) {
  return Math.min(radius * 0.5, Math.max(34, Math.min(radius * 0.2, 110)));
}

export function sunburstDepth(h, width, minRing) {
  const radius = Math.min(width, h) / 2 - 8;
  return Math.max(2, Math.floor((radius - sunburstCentre(radius)) / minRing));
}

/** The remembered pane height, or NaN. */
export function savedHeight() {
  try {
    return Number(localStorage.getItem(SPLIT_KEY)) || NaN;
  } catch {
    return NaN;
  }
}
