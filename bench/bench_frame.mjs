// bench_frame.mjs: how long a notebook's browser takes to show a profviz
// IFrame, from the moment the output arrives (the IFrame is inserted into the
// page) to the first icicle drawn inside it (the frame's "profviz:drawn"
// mark). Used by bench_run.py; prints one JSON line: {"ms": [...]} with one
// figure per URL, in order, in one browser (as one notebook page).
//
//   node bench/bench_frame.mjs HOST_PORT URL...
//
// The host page is served on 127.0.0.1:HOST_PORT, the origin the profviz
// server was told to allow (--embed-origin).

import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const require = createRequire(join(repo, 'tests/e2e/package.json'));
const { chromium } = require('playwright-core');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const [port, ...urls] = process.argv.slice(2);
const host = createServer((req, res) =>
  res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>notebook</title><body></body>'));
await new Promise((ok) => host.listen(Number(port), '127.0.0.1', ok));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
await page.goto(`http://127.0.0.1:${port}/`);
const ms = [];
for (const url of urls) {
  const t0 = await page.evaluate((src) => {
    const f = document.createElement('iframe');
    f.src = src;
    f.width = '100%';
    f.height = '600';
    const t = performance.timeOrigin + performance.now();
    document.body.appendChild(f);
    // in view, as a notebook scrolls to new output (Chromium does not
    // render cross-origin frames that are off screen)
    f.scrollIntoView();
    return t;
  }, url);
  let frame = null;
  while (!(frame = page.frames().find((f) => f.url() === url))) await page.waitForTimeout(2);
  await frame.waitForFunction(() => performance.getEntriesByName('profviz:drawn').length > 0, null, { timeout: 30000 });
  const t1 = await frame.evaluate(() => performance.timeOrigin + performance.getEntriesByName('profviz:drawn')[0].startTime);
  ms.push(Math.round((t1 - t0) * 10) / 10);
}
console.log(JSON.stringify({ ms }));
await browser.close();
host.close();
