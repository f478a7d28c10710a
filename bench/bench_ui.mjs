// bench_ui.mjs: how fast the web UI is in headless Chromium against the real
// profviz binary. A benchmark, not a test: it prints figures and never fails
// on them.
//
//   node bench/bench_ui.mjs [path/to/profviz] [--runs N]
//
// For profiles of 200, 20,000 and 300,000 functions made by
// bench/gen_large_profile.py (kept in bench/out/, made when missing) it
// measures the time from navigation start to the first performance mark
// "profviz:drawn" (the first icicle on screen), in two ways, each a median
// of N pages:
//   - first visit: each page in a new browser context (empty HTTP cache, no
//     compiled code), as when the link is opened for the first time;
//   - reload: pages of one context after a warm-up page (the modules come
//     from the browser's cache after a 304).
// Both start after one page has made the server parse the profile (it
// parses lazily); that cold page's figure is printed too. For the first
// visits it also prints the first contentful paint (the browser's time for
// the first frame with content presented; the page keeps its header hidden
// until the first picture, so that frame is the one with the picture), when
// a frame after the mark was done (an upper bound: the observer that asks
// for that frame runs as a task after the mark, behind the page's own), and
// where the time went, as medians:
// the page's HTML, its one script (the modules joined), and the tree request's
// start and end when there was one (a page whose start tree came in its HTML,
// server/page.h, makes none: "tree in the page"). Each first visit is
// followed by one to the floor: a page served from this process that only
// draws as many boxes (with labels) on a canvas, its script a file of its
// own; the ratio of the medians says how far profviz is from what this
// browser on this machine needs for such a picture at all. Then a drill-down (mouse click on a box to the
// redraw of the new view root), and frame intervals and redraw counts while
// the mouse hovers across the icicle. The load average of the machine is
// printed at the start and the end: on a loaded machine every figure grows.

import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const require = createRequire(join(repo, 'tests/e2e/package.json'));
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const binary = resolve(args[0] || join(repo, 'build/server/profviz'));
const SIZES = [200, 20000, 300000];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function startServer(file) {
  const port = await freePort();
  const proc = spawn(binary, ['-s', '-p', String(port), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, fail) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /profviz: serving (http:\/\/\S+\/)/.exec(out);
      if (m) ok(m[1]);
    });
    proc.once('exit', (c) => fail(new Error(`profviz exited with ${c}`)));
  });
  return { proc, url };
}

const median = (a) => {
  const s = a.slice().sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
const ms = (v) => `${v.toFixed(1)} ms`;

// After the first profviz:drawn, the end of the next frame (requestAnimationFrame, then a task).
function markPainted() {
  new PerformanceObserver((list, obs) => {
    if (!list.getEntries().some((e) => e.name === 'profviz:drawn')) return;
    obs.disconnect();
    requestAnimationFrame(() => setTimeout(() => performance.mark('bench:painted'), 0));
  }).observe({ entryTypes: ['mark'] });
}

async function firstDrawn(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('profviz:drawn').length > 0, null, { timeout: 30000 });
  return page.evaluate(() => performance.getEntriesByName('profviz:drawn')[0].startTime);
}

/** A first visit: a new context; the times of the mark, the next frame, the HTML and the tree request. */
async function firstVisit(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(markPainted);
    const drawn = await firstDrawn(page, url);
    await page.waitForFunction(() => performance.getEntriesByName('bench:painted').length > 0, null, { timeout: 30000 });
    return await page.evaluate((d) => {
      const nav = performance.getEntriesByType('navigation')[0];
      const tree = performance.getEntriesByType('resource').find((e) => e.name.includes('/tree?') && e.startTime < d);
      const script = performance.getEntriesByType('resource').find((e) => e.name.includes('/js/'));
      const fcp = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
      return {
        drawn: d,
        painted: performance.getEntriesByName('bench:painted')[0].startTime,
        fcp: fcp ? fcp.startTime : NaN,
        html: nav.responseEnd,
        script: script ? script.responseEnd : NaN,
        treeStart: tree ? tree.startTime : NaN,
        treeEnd: tree ? tree.responseEnd : NaN,
      };
    }, drawn);
  } finally {
    await context.close();
  }
}

// The floor: a page that does nothing but draw as many boxes (and labels on
// the wide ones) on a canvas, served from this process on loopback, its
// script a file of its own as profviz's is. It is visited the same way, in
// turn with profviz's pages, so that both see the same load: what this
// browser on this machine needs for a picture of that size at all.
function floorPage(boxes) {
  const html = '<!doctype html><html><head><meta charset="utf-8"><script defer src="js/floor.js"></script></head><body style="margin:0"><canvas id="c"></canvas></body></html>';
  const js = `const c = document.getElementById('c');
const w = innerWidth, rows = 25, per = Math.ceil(${boxes} / rows), bw = w / per;
c.width = w; c.height = rows * 20;
const ctx = c.getContext('2d');
ctx.font = '12px sans-serif';
ctx.textBaseline = 'middle';
for (let i = 0; i < ${boxes}; i++) {
  const x = Math.floor(i / rows) * bw, y = (i % rows) * 20;
  ctx.fillStyle = 'hsl(' + ((i * 37) % 360) + ', 50%, 70%)';
  ctx.fillRect(x, y, bw - 1, 19);
  if (bw > 40) { ctx.fillStyle = '#000'; ctx.fillText('function_' + i + ' (1.23 ms)', x + 4, y + 10); }
}
performance.mark('profviz:drawn');
`;
  const server = createHttpServer((req, res) => {
    const body = req.url.startsWith('/js/floor.js') ? js : html;
    res.writeHead(200, { 'content-type': req.url.startsWith('/js/') ? 'text/javascript' : 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() })));
}

async function benchProfile(browser, n) {
  const file = join(repo, 'bench/out', `ui-${n}.prof`);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    execFileSync('python3', [join(repo, 'bench/gen_large_profile.py'), file, '--functions', String(n)], { stdio: 'inherit' });
  }
  const { proc, url } = await startServer(file);
  try {
    const firsts = [];
    const coldContext = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const cold = await firstDrawn(await coldContext.newPage(), url);
    await coldContext.close();
    // the floor page draws as many boxes as this profile's first picture has
    const probe = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const probePage = await probe.newPage();
    await firstDrawn(probePage, url);
    const firstBoxes = await probePage.evaluate(() => window.profviz.boxes().length);
    await probe.close();
    const floor = await floorPage(firstBoxes);
    const floors = [];
    try {
      await firstVisit(browser, floor.url);
      for (let i = 0; i < RUNS; i++) {
        firsts.push(await firstVisit(browser, url));
        floors.push(await firstVisit(browser, floor.url));
      }
    } finally {
      floor.close();
    }
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    // warm-up: the browser caches and compiles the modules
    const warm = await context.newPage();
    await firstDrawn(warm, url);
    await warm.close();
    const loads = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await context.newPage();
      loads.push(await firstDrawn(page, url));
      await page.close();
    }

    const page = await context.newPage();
    await firstDrawn(page, url);
    await page.waitForFunction(() => window.profviz.ready());
    const boxCount = await page.evaluate(() => window.profviz.boxes().length);
    // drill-down: click the widest box below the root, time click -> next drawn mark
    const drills = [];
    for (let i = 0; i < RUNS; i++) {
      const all = await page.evaluate(() => window.profviz.boxes());
      const root = all[0];
      const kid = all.filter((b) => b.path.length === root.path.length + 1).sort((a, b) => b.width - a.width)[0];
      if (!kid) break;
      await page.evaluate(() => {
        window.__bench = { marks: performance.getEntriesByName('profviz:drawn').length };
        document.getElementById('graph').addEventListener('click', (e) => (window.__bench.click = e.timeStamp), { once: true, capture: true });
      });
      await page.mouse.click(kid.x + Math.min(40, kid.width / 2), kid.y + kid.height / 2);
      await page.waitForFunction(() => window.profviz.ready() && performance.getEntriesByName('profviz:drawn').length > window.__bench.marks);
      drills.push(await page.evaluate(() => {
        const m = performance.getEntriesByName('profviz:drawn');
        return m[m.length - 1].startTime - window.__bench.click;
      }));
      await page.goBack();
      await page.waitForFunction(() => window.profviz.ready());
    }

    // hover: sweep the mouse over the icicle, record frame intervals and redraws
    const all = await page.evaluate(() => window.profviz.boxes());
    const rows = [...new Set(all.map((b) => b.y))].slice(0, 8);
    await page.evaluate(() => {
      window.__frames = [];
      window.__draws0 = performance.getEntriesByName('profviz:drawn').length;
      performance.clearMeasures('profviz:draw');
      let last = performance.now();
      window.__stop = false;
      const tick = (t) => {
        window.__frames.push(t - last);
        last = t;
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const moves = 200;
    for (let k = 0; k < moves; k++) {
      const y = rows[k % rows.length] + 8;
      await page.mouse.move(5 + ((k * 37) % 1380), y);
    }
    const hover = await page.evaluate(() => {
      window.__stop = true;
      return {
        frames: window.__frames.slice(2),
        draws: performance.getEntriesByName('profviz:drawn').length - window.__draws0,
        drawCost: performance.getEntriesByName('profviz:draw').map((m) => m.duration),
      };
    });
    await context.close();
    return { n, cold, firsts, floors, firstBoxes, loads, drills, hover, boxCount, moves };
  } finally {
    proc.kill('SIGTERM');
  }
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
try {
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`profviz web UI benchmark: ${binary}, headless Chromium, 1400x860, ${RUNS} runs each`);
  console.log(`load average at the start: ${load()}`);
  for (const n of SIZES) {
    const r = await benchProfile(browser, n);
    const f = r.hover.frames;
    console.log(`\n${n.toLocaleString('en-US')} functions (${r.boxCount} boxes drawn)`);
    const fd = r.firsts.map((x) => x.drawn);
    const med = (k) => ms(median(r.firsts.map((x) => x[k])));
    console.log(`  navigation -> first profviz:drawn, first visit: median ${ms(median(fd))}, min ${ms(Math.min(...fd))}, max ${ms(Math.max(...fd))}`);
    const asked = r.firsts.filter((x) => !Number.isNaN(x.treeStart)).length;
    const tree = asked === 0 ? 'tree in the page' : asked === r.firsts.length ? `tree asked for at ${med('treeStart')}, tree in at ${med('treeEnd')}` : `tree asked for in ${asked} of ${r.firsts.length} pages`;
    console.log(`    (medians: HTML in ${med('html')}, script in at ${med('script')}, ${tree}, drawn ${med('drawn')}, first contentful paint ${med('fcp')}, a frame later by ${med('painted')})`);
    const fl = r.floors.map((x) => x.drawn);
    console.log(`  the floor, a page that only draws ${r.firstBoxes} boxes on a canvas (first visits in turn with the above): median ${ms(median(fl))}, min ${ms(Math.min(...fl))}; profviz / floor ${(median(fd) / median(fl)).toFixed(2)}x`);
    console.log(`  navigation -> first profviz:drawn, reload:      median ${ms(median(r.loads))}, min ${ms(Math.min(...r.loads))}, max ${ms(Math.max(...r.loads))}`);
    console.log(`  cold (first page after the server started, includes lazy parsing): ${ms(r.cold)}`);
    console.log(`  drill-down click -> redraw:        median ${ms(median(r.drills))}, max ${ms(Math.max(...r.drills))}`);
    console.log(`  hover (${r.moves} mouse moves, ${r.hover.draws} redraws): frame interval median ${ms(median(f))}, p95 ${ms(pct(f, 95))}, max ${ms(Math.max(...f))}`);
    const d = r.hover.drawCost;
    if (d.length) console.log(`  one redraw of the canvas while hovering: median ${ms(median(d))}, p95 ${ms(pct(d, 95))}`);
  }
  console.log(`\nload average at the end: ${load()}`);
} finally {
  await browser.close();
}
