// bench_function.mjs: how fast the function view opens, in headless Chromium
// against the real profviz binary. A benchmark, not a test: it prints
// figures and never fails on them.
//
//   node bench/bench_function.mjs [path/to/profviz] [--runs N] [--large FILE.prof]
//
// For isinstance with 846 callers (tests/e2e/make_many_callers.py) it
// measures, in a fresh page each run (nothing cached in the page; the server
// has parsed the profile already), the time from the click on the table row
// to the "profviz:function" mark (the view drawn: totals, all 846 callers,
// callees). With --large (e.g. the 300,000-function profile of
// bench/gen_large_profile.py) it does the same for that profile's function
// with the most callers, and times its call sites request on its own.
// Prints the median and every run.

import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const require = createRequire(join(repo, 'tests/e2e/package.json'));
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const RUNS = Number(opt('--runs') || 5);
const LARGE = opt('--large');
const binary = resolve(args[0] || join(repo, 'build/server/profviz'));

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

async function serve(file) {
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

const median = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Opens the function view of fid from a table row in a fresh page; returns ms from click to mark. */
async function openOnce(browser, url, fid) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // the row must be on the page: ask the table for that function's name
  await page.goto(url);
  await page.waitForFunction(() => window.profviz && window.profviz.ready());
  const ms = await page.evaluate(async (id) => {
    const s = window.profviz.state();
    const f = await (await fetch(`/api/profiles/${s.profile}/functions/${id}`)).json();
    const input = document.getElementById('search');
    input.value = f.function.name;
    input.dispatchEvent(new Event('input'));
    const row = await new Promise((ok) => {
      const look = () => {
        const r = document.querySelector(`#functions tbody tr[data-fid="${id}"]`);
        if (r) ok(r);
        else setTimeout(look, 20);
      };
      look();
    });
    const before = performance.getEntriesByName('profviz:function').length;
    const t0 = performance.now();
    row.click();
    return new Promise((ok) => {
      const wait = () => {
        const m = performance.getEntriesByName('profviz:function');
        if (m.length > before) {
          // where the time went: the callers tree's request, as resource timing saw it
          const r = performance.getEntriesByType('resource').filter((e) => e.name.includes(`/functions/${id}/callers-tree`)).pop();
          window.__benchSplit = r ? [r.startTime - t0, r.responseEnd - t0] : null;
          ok(m[m.length - 1].startTime - t0);
        }
        else setTimeout(wait, 1);
      };
      wait();
    });
  }, fid);
  const n = await page.evaluate(() => window.profviz.functionView().callers.length);
  const split = await page.evaluate(() => window.__benchSplit);
  await page.close();
  return { ms, callers: n, split };
}

async function bench(browser, file, label, pick) {
  const { proc, url } = await serve(file);
  try {
    const list = await (await fetch(url + 'api/profiles')).json();
    const id = list[0].id;
    const fid = await pick(url, id);
    await openOnce(browser, url, fid); // warm-up (the server's first parse and index)
    const runs = [];
    const splits = [];
    let callers = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await openOnce(browser, url, fid);
      runs.push(r.ms);
      if (r.split) splits.push(r.split);
      callers = r.callers;
    }
    console.log(`${label}: function ${fid} with ${callers} callers: click to profviz:function median ${median(runs).toFixed(1)} ms over ${RUNS} (${runs.map((x) => x.toFixed(1)).join(', ')}); target 150 ms, ratio ${(median(runs) / 150).toFixed(2)}`);
    if (splits.length)
      console.log(`${label}:   (medians after the click: callers tree asked for at ${median(splits.map((x) => x[0])).toFixed(1)} ms, in at ${median(splits.map((x) => x[1])).toFixed(1)} ms; the rest is the page's work)`);
    const t = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await (await fetch(`${url}api/profiles/${id}/functions/${fid}/sites?limit=50`)).json();
      t.push(performance.now() - t0);
    }
    console.log(`${label}: its call sites (GET .../sites?limit=50, not waited for by the mark) median ${median(t).toFixed(1)} ms (${t.map((x) => x.toFixed(1)).join(', ')})`);
  } finally {
    proc.kill('SIGTERM');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'profviz-bench-fn-'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const many = join(dir, 'many.prof');
  execFileSync('python3', [join(repo, 'tests/e2e/make_many_callers.py'), many, '--callers', '846']);
  const byName = (name) => async (url, id) => (await (await fetch(`${url}api/profiles/${id}/functions?q=${encodeURIComponent(name)}&limit=1`)).json()).rows[0].id;
  await bench(browser, many, '846 callers', byName('isinstance'));
  if (LARGE) {
    // the function with the most callers: the largest first level
    const mostCalled = async (url, id) => (await (await fetch(`${url}api/profiles/${id}/functions?sort=ncalls&limit=1`)).json()).rows[0].id;
    await bench(browser, LARGE, `large (${LARGE})`, mostCalled);
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
