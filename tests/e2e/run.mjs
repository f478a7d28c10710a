// End-to-end tests of the web UI: the real profviz binary, real fixture
// profiles, headless Chromium (Debian's /usr/bin/chromium) via playwright-core.
//
//   node tests/e2e/run.mjs path/to/profviz
//
// Runs the main suite against the UI embedded in the binary (no --web-root),
// the multi-profile and markup suites with --web-root web/ (the files on
// disk), the reading suite of reading.mjs (the bundled example: numbers,
// overlays, zoom, sunburst labels, screenshots of every view), the
// team-mode suite of team.mjs (--dir, uploads, --token), the notebook
// IFrame suite of embed.mjs and the comparison suite of compare.mjs.
// The function view and search suite is function.mjs, the page's start start.mjs.
// E2E_ONLY=main, reading, team, embed, compare, function or start runs one of them.
// Screenshots go to tests/e2e/out/. Ends with "N passed, M failed".

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { teamSuite } from './team.mjs';
import { readingSuite } from './reading.mjs';
import { embedSuite } from './embed.mjs';
import { compareSuite } from './compare.mjs';
import { functionSuite } from './function.mjs';
import { startSuite } from './start.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const binary = resolve(process.argv[2] || join(repo, 'build/server/profviz'));
const OUT = join(here, 'out');
const FIX = join(here, 'fixtures');
const WORKLOAD = join(FIX, 'workload.prof');
const MARKUP = join(FIX, 'markup.prof');
const EVIL = '<img src=x onerror=alert(1)>';
const EVIL_SCRIPT = "<script>document.title='pwned'</script>";
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (!existsSync(binary)) {
  console.error(`run.mjs: no profviz binary at ${binary}`);
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });

// ---- the server ------------------------------------------------------------

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

const servers = [];
async function startServer(args) {
  const port = await freePort();
  const proc = spawn(binary, ['-s', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(proc);
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const url = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`profviz did not print its URL within 15 s; stderr: ${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /profviz: serving (http:\/\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`profviz exited with ${code}: ${err.trim()}`));
    });
  });
  return url;
}

const cleanup = []; // functions run at the end (temporary folders)

function stopServers() {
  for (const p of servers) if (p.exitCode === null) p.kill('SIGTERM');
  for (const f of cleanup) {
    try {
      f();
    } catch {
      // best effort
    }
  }
}

// ---- test harness ----------------------------------------------------------

const results = [];
let browser;

async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join('\n     ') : e}`);
  }
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** A new page that records console errors, page errors and dialogs. */
async function newPage(opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1, ...opts });
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('dialog', async (d) => {
    page.dialogs.push(d.message());
    await d.dismiss();
  });
  return page;
}

async function ready(page, timeout = 10000) {
  await page.waitForFunction(() => window.profviz && window.profviz.ready && window.profviz.ready(), null, { timeout });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
}

const state = (page) => page.evaluate(() => window.profviz.state());
const boxes = (page) => page.evaluate(() => window.profviz.boxes());
const crumbs = (page) => page.$$eval('#breadcrumbs li', (li) => li.map((x) => x.textContent));
const drawnMarks = (page) => page.evaluate(() => performance.getEntriesByName('profviz:drawn').length);

/** A box below the view root, wide enough to click, preferring deep paths. */
async function pickBox(page, minWidth = 60) {
  const all = await boxes(page);
  const root = all[0];
  const kids = all.filter((b) => b.path.length > root.path.length && b.width >= minWidth && b.height >= 4);
  check(kids.length, `no clickable box below the view root (${all.length} boxes)`);
  return kids[0];
}

async function clickBox(page, b) {
  await page.mouse.click(b.x + Math.min(b.width / 2, 40), b.y + b.height / 2);
}

async function waitPath(page, path) {
  await page.waitForFunction((p) => JSON.stringify(window.profviz.state().path) === p, JSON.stringify(path), { timeout: 10000 });
  await ready(page);
}

async function shot(page, name) {
  await page.screenshot({ path: join(OUT, name) });
}

/** Rows of the function table as {ncalls, tottime, tpc, cumtime, cpc, name, file}. */
function tableRows(page) {
  return page.$$eval('#functions tbody tr', (trs) =>
    trs.map((tr) => {
      const td = [...tr.children].map((c) => c.textContent);
      return {
        fid: Number(tr.dataset.fid),
        ncalls: Number(td[0].split('/')[0]),
        pcalls: Number(td[0].split('/').pop()),
        tottime: Number(td[1]),
        tottime_percall: Number(td[2]),
        cumtime: Number(td[3]),
        cumtime_percall: Number(td[4]),
        name: tr.dataset.name,
        file: tr.dataset.file,
        text: td[5],
      };
    }),
  );
}

// ---- suites ----------------------------------------------------------------

async function mainSuite(base, label) {
  const page = await newPage();
  let drilled = null;
  let drilledUrl = '';

  await test(`${label}: loads with no console errors and opens the only profile on its icicle`, async () => {
    await page.goto(base);
    await ready(page);
    const s = await state(page);
    check(s.profile, 'no profile opened');
    check(s.view === 'icicle', `view is ${s.view}`);
    check((await drawnMarks(page)) >= 1, 'no profviz:drawn mark');
    check(await page.isHidden('#start-page'), 'start page shown for a single profile');
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  });

  await test(`${label}: icicle drawn with labelled boxes`, async () => {
    const b = await boxes(page);
    check(b.length >= 5, `only ${b.length} boxes`);
    check(b.some((x) => x.name === 'pipeline'), 'no box named pipeline');
    const painted = await page.evaluate(([x, y]) => {
      const c = document.getElementById('graph');
      const r = c.getBoundingClientRect();
      const d = c.getContext('2d').getImageData(Math.round((x - r.left) * devicePixelRatio), Math.round((y - r.top) * devicePixelRatio), 1, 1).data;
      return d[3];
    }, [b[0].x + 5, b[0].y + 5]);
    check(painted > 0, 'root box not painted on the canvas');
    const dpr = await page.evaluate(() => document.getElementById('graph').width / document.getElementById('graph').getBoundingClientRect().width);
    check(Math.abs(dpr - 1) < 0.01, `canvas backing store ratio ${dpr}`);
    await shot(page, 'icicle.png');
  });

  await test(`${label}: clicking a box drills down, updates breadcrumbs and URL`, async () => {
    const before = await state(page);
    const crumbsBefore = await crumbs(page);
    // the deepest wide box named pipeline or parse_records, else any
    const all = await boxes(page);
    const target = all.find((x) => x.name === 'parse_records' && x.width > 40) || (await pickBox(page));
    await clickBox(page, target);
    await waitPath(page, target.path);
    const after = await state(page);
    check(after.profile === before.profile, 'profile changed');
    const c = await crumbs(page);
    check(c[c.length - 1] === target.name, `last crumb ${c[c.length - 1]} != ${target.name}`);
    check(c.length > crumbsBefore.length, 'breadcrumbs did not grow');
    const url = new URL(page.url());
    check(url.searchParams.get('path') === target.path.join(','), `URL path ${url.searchParams.get('path')}`);
    const root = (await boxes(page))[0];
    check(root.name === target.name && root.width > 1000, 'drilled box is not the full-width view root');
    drilled = target;
    drilledUrl = page.url();
    await shot(page, 'icicle-drilled.png');
  });

  await test(`${label}: browser back returns to the previous view, forward comes back`, async () => {
    await page.goBack();
    await waitPath(page, []);
    check((await crumbs(page)).length === 1, 'breadcrumbs not back at the top');
    check(!new URL(page.url()).searchParams.has('path'), 'URL still has a path');
    await page.goForward();
    await waitPath(page, drilled.path);
  });

  await test(`${label}: up and top buttons, Escape goes up`, async () => {
    const c = await crumbs(page);
    await page.click('#up');
    await waitPath(page, drilled.path.slice(0, -1));
    check((await crumbs(page)).length === c.length - 1, 'Up did not remove one crumb');
    await page.goBack();
    await waitPath(page, drilled.path);
    await page.click('#top');
    await waitPath(page, []);
    await page.goBack();
    await waitPath(page, drilled.path);
  });

  await test(`${label}: a copied link reopens the same view`, async () => {
    await page.click('[data-view=sunburst]');
    await page.waitForFunction(() => window.profviz.state().view === 'sunburst');
    await ready(page);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('#copy-link');
    await page.waitForSelector('#toast:not([hidden])', { timeout: 3000 });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    check(copied === page.url(), `copied ${copied} but the page is at ${page.url()}`);
    const other = await newPage();
    await other.goto(copied);
    await ready(other);
    const a = await state(page);
    const b = await state(other);
    check(JSON.stringify(a) === JSON.stringify(b), `states differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    check(JSON.stringify(await crumbs(page)) === JSON.stringify(await crumbs(other)), 'breadcrumbs differ');
    check((await boxes(other))[0].name === drilled.name, 'reopened view has another root');
    check(other.errors.length === 0, `console errors: ${other.errors.join(' | ')}`);
    await other.context().close();
    await page.click('[data-view=icicle]');
    await ready(page);
    check(drilledUrl, 'no drilled URL');
  });

  await test(`${label}: sunburst draws and drills down`, async () => {
    await page.goto(base);
    await ready(page);
    await page.click('[data-view=sunburst]');
    await page.waitForFunction(() => window.profviz.state().view === 'sunburst');
    await ready(page);
    check(new URL(page.url()).searchParams.get('view') === 'sunburst', 'view not in URL');
    const b = await boxes(page);
    check(b.length >= 5, `only ${b.length} sunburst segments`);
    await shot(page, 'sunburst.png');
    const target = b.find((x) => x.name === 'pipeline') || b.find((x) => x.path.length > b[0].path.length);
    await clickBox(page, { ...target, width: target.width, x: target.x, y: target.y });
    await waitPath(page, target.path);
    check((await boxes(page))[0].name === target.name, 'sunburst centre is not the clicked function');
    check((await state(page)).view === 'sunburst', 'view lost after drill-down');
    await shot(page, 'sunburst-drilled.png');
    await page.click('[data-view=icicle]');
    await ready(page);
  });

  await test(`${label}: hover shows a tooltip with time, totals, percentages and calls`, async () => {
    await page.goto(base);
    await ready(page);
    const b = (await boxes(page)).find((x) => x.name === 'pipeline');
    check(b, 'no pipeline box');
    await page.mouse.move(b.x + 20, b.y + b.height / 2);
    await page.waitForSelector('#tooltip:not([hidden])', { timeout: 3000 });
    await page.waitForFunction(() => !document.getElementById('tooltip').textContent.includes('…'), null, { timeout: 5000 });
    const t = await page.textContent('#tooltip');
    for (const want of ['pipeline', 'workload.py:', 'in this branch', 'function total', 'of view root', 'of profile', 'calls']) {
      check(t.includes(want), `tooltip lacks "${want}": ${t}`);
    }
    check(/exact|estimated/.test(t), 'tooltip does not say exact or estimated');
    await shot(page, 'tooltip.png');
    await page.mouse.move(2, 2);
    await page.waitForSelector('#tooltip', { state: 'hidden', timeout: 3000 });
  });

  await test(`${label}: the table sorts by each column, both ways`, async () => {
    const keys = await page.$$eval('#functions [data-sort]', (t) => t.map((x) => x.dataset.sort));
    check(keys.length === 7, `sortable headers: ${keys}`);
    const initial = await state(page);
    check(initial.sort === 'tottime' && initial.order === 'desc', `the table opens sorted by ${initial.sort} ${initial.order}, want tottime desc`);
    for (const key of keys) {
      for (let round = 0; round < 2; round++) {
        const before = await state(page);
        await page.click(`#functions [data-sort="${key}"]`);
        await page.waitForFunction(([k, b]) => {
          const s = window.profviz.state();
          return s.sort === k && (s.sort !== b.sort || s.order !== b.order);
        }, [key, before]);
        await ready(page);
        const s = await state(page);
        check(new URL(page.url()).searchParams.get('sort') === (key === 'tottime' ? null : key), `sort=${key} not in the URL: ${page.url()}`);
        const order = await page.getAttribute(`#functions [data-sort="${key}"]`, 'aria-sort');
        check(order === (s.order === 'desc' ? 'descending' : 'ascending'), `aria-sort ${order} for order ${s.order}`);
        const rows = await tableRows(page);
        check(rows.length > 10, `sort=${key}: ${rows.length} rows`);
        const got = await page.evaluate(async ([k, o]) => {
          const s = window.profviz.state();
          const r = await fetch(`/api/profiles/${s.profile}/functions?sort=${k}&order=${o}&limit=100`).then((x) => x.json());
          return r.rows.map((x) => x.id);
        }, [key, s.order]);
        check(JSON.stringify(rows.map((r) => r.fid)) === JSON.stringify(got), `sort=${key} ${s.order}: the rows are not in the server's order`);
      }
    }
    await page.click('#functions [data-sort="tottime"]');
    await ready(page);
    await shot(page, 'table.png');
  });

  await test(`${label}: a table row opens the function view: callers, callees, each clickable, and call sites that become the graph root`, async () => {
    await page.goto(base);
    await ready(page);
    const row = page.locator('#functions tbody tr', { has: page.locator('.fn', { hasText: /^pipeline$/ }) });
    await row.click();
    await page.waitForSelector('#function-view:not([hidden])');
    await page.waitForFunction(() => document.querySelector('#function-view .fn-name').textContent === 'pipeline' && window.profviz.functionView());
    const level1 = (dir) => page.$$eval(`#function-view .fv-${dir} .fv-row[aria-level="1"] .fv-name`, (t) => t.map((x) => x.textContent));
    const callers = await level1('callers');
    const callees = await level1('callees');
    check(callers.includes('main'), `callers: ${callers}`);
    for (const n of ['parse_records', 'sort_records', 'render', 'tokenize', 'fib']) {
      check(callees.includes(n), `callee ${n} missing: ${JSON.stringify(callees)}`);
    }
    check(new URL(page.url()).searchParams.has('fn'), 'open function not in URL');
    await shot(page, 'table-details.png');
    await page.click('#function-view .fv-callees .fv-row[aria-level="1"] .fv-name:text-is("sort_records")');
    await page.waitForFunction(() => document.querySelector('#function-view .fn-name').textContent === 'sort_records');
    await page.waitForFunction(() => window.profviz.functionView());
    const cc = await level1('callers');
    check(cc.includes('pipeline'), `sort_records callers: ${cc}`);
    await page.waitForSelector('#function-view .fv-site');
    await page.click('#function-view .fv-site');
    await page.waitForFunction(() => window.profviz.state().path.length > 1, null, { timeout: 10000 });
    await ready(page);
    // The crumbs follow the new view root once its tree has been drawn.
    await page
      .waitForFunction(() => {
        const li = [...document.querySelectorAll('#breadcrumbs li')];
        return li.length && li[li.length - 1].textContent === 'sort_records';
      }, null, { timeout: 10000 })
      .catch(() => {});
    const c = await crumbs(page);
    check(c[c.length - 1] === 'sort_records', `crumbs after a call site: ${c}`);
    check((await boxes(page))[0].name === 'sort_records', 'view root is not sort_records');
    await shot(page, 'show-in-graph.png');
  });

  await test(`${label}: search highlights matching boxes and filters the table`, async () => {
    await page.goto(base);
    await ready(page);
    await page.fill('#search', 'fib');
    await page.waitForFunction(() => /\d+ matching/.test(document.getElementById('match-count').textContent));
    const n = Number((await page.textContent('#match-count')).split(' ')[0]);
    check(n >= 1, `match count ${n}`);
    await page.waitForFunction(() => document.getElementById('table-count').textContent.includes('fib'));
    await ready(page);
    const rows = await tableRows(page);
    check(rows.length >= 1 && rows.every((r) => (r.name + r.file).toLowerCase().includes('fib')), `table not filtered: ${rows.map((r) => r.name)}`);
    // a matching box is outlined in the match colour, a non-matching one is dimmed
    const px = await page.evaluate(() => {
      const all = window.profviz.boxes();
      const c = document.getElementById('graph');
      const r = c.getBoundingClientRect();
      const g = c.getContext('2d');
      const at = (b, dx, dy) => [...g.getImageData(Math.round(b.x - r.left - scrollX + dx), Math.round(b.y - r.top - scrollY + dy), 1, 1).data];
      const hit = all.find((b) => b.name === 'fib' && b.width > 6);
      const miss = all.find((b) => b.name === 'parse_records');
      return { edge: hit && at(hit, 1, 1), missFill: miss && at(miss, miss.width / 2, 3) };
    });
    check(px.edge, 'no fib box to look at');
    const match = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--canvas-match'));
    check(px.edge[0] > 180 && px.edge[1] < 120, `fib box edge is ${px.edge}, not the match colour ${match}`);
    await shot(page, 'search.png');
    check(new URL(page.url()).searchParams.get('q') === 'fib', 'search not in URL');
    await page.fill('#search', '');
    await page.waitForFunction(() => document.getElementById('match-count').textContent === '');
  });

  await test(`${label}: keyboard: / focuses search, arrows move, Enter drills in, Escape goes up`, async () => {
    await page.goto(base);
    await ready(page);
    await page.keyboard.press('/');
    check(await page.evaluate(() => document.activeElement.id === 'search'), '/ did not focus search');
    await page.keyboard.press('Escape');
    check(await page.evaluate(() => document.activeElement.id !== 'search'), 'Escape did not leave search');
    await page.focus('#graph');
    const root = await page.textContent('#focus-info');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = await page.textContent('#focus-info');
    check(focused !== root, 'arrow keys did not move the focus');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    check((await page.textContent('#focus-info')) === focused, 'Right then Left did not come back');
    const name = focused.split(' — ')[0];
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.profviz.state().path.length >= 2, null, { timeout: 5000 });
    await ready(page);
    const s = await state(page);
    const c = await crumbs(page);
    check(c[c.length - 1] === name, `Enter drilled into ${c[c.length - 1]}, focus was on ${name}`);
    await page.keyboard.press('Escape');
    await waitPath(page, s.path.slice(0, -1));
  });

  await test(`${label}: an unknown profile in the URL says what failed`, async () => {
    const p = await newPage();
    await p.goto(base + '?profile=no-such-profile');
    await p.waitForSelector('#error:not([hidden])', { timeout: 5000 });
    const t = await p.textContent('#error-text');
    check(/no-such-profile/.test(t), `error text: ${t}`);
    await ready(p);
    await p.context().close();
  });

  await test(`${label}: a link to a path that is not in the tree says so, and Top recovers`, async () => {
    const p = await newPage();
    const s = await state(page);
    await p.goto(`${base}?profile=${encodeURIComponent(s.profile)}&path=999999,999998`);
    await p.waitForSelector('#error:not([hidden])', { timeout: 5000 });
    const t = await p.textContent('#error-text');
    check(/call tree failed/.test(t) && /HTTP 4\d\d/.test(t), `error text: ${t}`);
    check(!(await p.isDisabled('#top')), 'Top is disabled after a bad path');
    await p.click('#top');
    await waitPath(p, []);
    check(await p.isHidden('#error'), 'error banner still shown after recovering');
    check((await boxes(p)).length > 3, 'icicle not drawn after recovering');
    await p.context().close();
  });

  await test(`${label}: dark mode follows prefers-color-scheme`, async () => {
    const p = await newPage({ colorScheme: 'dark' });
    await p.goto(base);
    await ready(p);
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    check(r + g + b < 150, `dark background is ${bg}`);
    await shot(p, 'icicle-dark.png');
    await p.context().close();
  });

  await test(`${label}: high-DPI canvas is crisp (backing store scaled by devicePixelRatio)`, async () => {
    const p = await newPage({ deviceScaleFactor: 2 });
    await p.goto(base);
    await ready(p);
    const ratio = await p.evaluate(() => document.getElementById('graph').width / document.getElementById('graph').getBoundingClientRect().width);
    check(Math.abs(ratio - 2) < 0.01, `backing store ratio ${ratio}`);
    await p.setViewportSize({ width: 900, height: 700 });
    await p.waitForFunction(() => Math.abs(document.getElementById('graph').width - 2 * document.getElementById('graph').getBoundingClientRect().width) < 2);
    // the pane follows the new window height (plan.js paneHeight(700): 700 - 82 - 6 - 224), not the size read before
    await p.waitForFunction(() => document.getElementById('graph-pane').style.height === '388px', null, { timeout: 5000 });
    await p.context().close();
  });

  await test(`${label}: no console errors during the suite`, async () => {
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  });
  await page.context().close();
}

async function multiSuite(base, label) {
  const page = await newPage();
  await test(`${label}: several profiles: a picker lists them and opens one`, async () => {
    await page.goto(base);
    await page.waitForSelector('#start-page:not([hidden])');
    const names = await page.$$eval('#profile-list tbody a', (a) => a.map((x) => x.textContent));
    check(names.includes('workload.prof') && names.includes('markup.prof'), `listed: ${names}`);
    await shot(page, 'start.png');
    await page.click('#profile-list a:text-is("workload.prof")');
    await ready(page);
    check(await page.isVisible('#profile-picker'), 'no profile picker in the header');
    const b = await boxes(page);
    check(b.some((x) => x.name === 'pipeline'), 'workload icicle not drawn');
    await page.selectOption('#profile-picker', { label: 'markup.prof' });
    await ready(page);
    check((await boxes(page)).some((x) => x.name === EVIL), 'markup profile not drawn after picking it');
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  });

  await test(`${label}: function names with markup stay inert and show literally`, async () => {
    const p = await newPage();
    await p.goto(base);
    await p.click('#profile-list a:text-is("markup.prof")');
    await ready(p);
    const b = await boxes(p);
    check(b.some((x) => x.name === EVIL) && b.some((x) => x.name === EVIL_SCRIPT), `names: ${b.map((x) => x.name)}`);
    // hover the evil box, open it in the table, search for it
    const evil = b.find((x) => x.name === EVIL_SCRIPT);
    await p.mouse.move(evil.x + 10, evil.y + evil.height / 2);
    await p.waitForSelector('#tooltip:not([hidden])');
    check((await p.textContent('#tooltip .tt-name')) === EVIL_SCRIPT, 'tooltip does not show the name literally');
    await clickBox(p, evil);
    await ready(p);
    const c = await crumbs(p);
    check(c.includes(EVIL_SCRIPT), `breadcrumbs: ${c}`);
    await p.fill('#search', 'onerror');
    await p.waitForFunction(() => document.getElementById('table-count').textContent.includes('onerror'));
    await ready(p);
    await p.click('#functions tbody tr');
    await p.waitForFunction((n) => document.querySelector('#function-view .fn-name').textContent === n, EVIL);
    await p.waitForSelector('#function-view .fv-callers .fv-row .fv-name');
    await p.waitForSelector('#function-view .fv-site');
    const cellText = await p.$$eval('#functions tbody .fn', (t) => t.map((x) => x.textContent));
    check(cellText.includes(EVIL), `table: ${cellText}`);
    await p.waitForTimeout(300);
    const dom = await p.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      // the page's own scripts, and its start data block (server/page.h), which never runs
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src') || `${s.type}#${s.id}`),
      bold: document.querySelectorAll('b').length,
      title: document.title,
    }));
    check(dom.imgs === 0, `${dom.imgs} <img> elements injected`);
    check(JSON.stringify(dom.scripts) === '["js/bundle.js","application/json#profviz-boot"]', `scripts: ${dom.scripts}`);
    check(dom.bold === 0, '<b> injected');
    check(!dom.title.includes('pwned'), 'injected script ran');
    check(p.dialogs.length === 0, `dialogs opened: ${p.dialogs}`);
    check(p.errors.length === 0, `console errors: ${p.errors.join(' | ')}`);
    await shot(p, 'markup.png');
    await p.context().close();
  });
  await page.context().close();
}

// ---- main ------------------------------------------------------------------

try {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  // E2E_ONLY=team runs only the team-mode suite (while working on it)
  const only = process.env.E2E_ONLY || '';
  let embedded = null;
  let disk = null;
  if (!only || only === 'main') {
    await test('server starts with the embedded UI', async () => {
      embedded = await startServer([WORKLOAD]);
    });
    await test('server starts with --web-root web/ and two profiles', async () => {
      disk = await startServer(['--web-root', join(repo, 'web'), WORKLOAD, MARKUP]);
    });
  }
  if (embedded) await mainSuite(embedded, 'embedded');
  if (disk) await multiSuite(disk, 'web-root');
  if (!only || only === 'reading') await readingSuite({ repo, OUT, test, check, newPage, ready, state, boxes, shot, startServer, cleanup });
  if (!only || only === 'team') await teamSuite({ binary, repo, FIX, OUT, test, check, newPage, ready, state, boxes, shot, startServer, cleanup });
  // profviz in a notebook's IFrame (embed.mjs); E2E_ONLY=embed runs it alone
  // comparing two profiles (compare.mjs); E2E_ONLY=compare runs it alone
  if (!only || only === 'compare') await compareSuite({ binary, repo, OUT, test, check, newPage, ready, state, boxes, shot, startServer, cleanup });
  if (!only || only === 'function') await functionSuite({ repo, OUT, test, check, newPage, ready, state, boxes, shot, startServer, cleanup });
  // the page's start: no round trip before the tree, marks only with boxes (start.mjs)
  if (!only || only === 'start') await startSuite({ repo, FIX, OUT, test, check, newPage, ready, state, boxes, shot, startServer, cleanup });
  if (!only || only === 'embed') await embedSuite({ binary, repo, FIX, OUT, test, check, newPage, shot, startServer, cleanup });
} catch (e) {
  results.push({ name: 'harness', ok: false });
  console.log(`FAIL harness: ${e.stack || e}`);
} finally {
  if (browser) await browser.close();
  stopServers();
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
