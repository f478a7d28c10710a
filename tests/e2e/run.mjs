// End-to-end tests of the web UI: the real profviz binary, real fixture
// profiles, headless Chromium (Debian's /usr/bin/chromium) via playwright-core.
//
//   node tests/e2e/run.mjs path/to/profviz
//
// Runs the main suite of main.mjs against the UI embedded in the binary (no
// --web-root), and its multi-profile and markup suite with --web-root web/
// (the files on disk), the reading suite of reading.mjs (the bundled example:
// numbers, overlays, zoom, sunburst labels, screenshots of every view), the
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
import { mainSuite, multiSuite } from './main.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const binary = resolve(process.argv[2] || join(repo, 'build/server/profviz'));
const OUT = join(here, 'out');
const FIX = join(here, 'fixtures');
const WORKLOAD = join(FIX, 'workload.prof');
const MARKUP = join(FIX, 'markup.prof');
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
  // the main suite (main.mjs) reads the page with the helpers above
  const pageHelpers = { test, check, newPage, ready, state, boxes, crumbs, drawnMarks, pickBox, clickBox, waitPath, shot, tableRows };
  if (embedded) await mainSuite(pageHelpers, embedded, 'embedded');
  if (disk) await multiSuite(pageHelpers, disk, 'web-root');
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
