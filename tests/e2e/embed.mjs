// End-to-end tests of profviz inside a notebook's IFrame, in headless
// Chromium against the real binary. run.mjs runs this suite with its harness.
//
// 1. A host page on its own origin (a small HTTP server here) holds exactly
//    the HTML the %profviz magic displays (made by python/profviz/display.py),
//    and the profviz server is started as the magic starts it, with that
//    origin as --embed-origin: the icicle is drawn inside the IFrame.
// 2. The same page on an origin that was not named cannot frame profviz, and
//    neither origin can read the API with fetch (no CORS).
// 3. The committed notebook tests/integration/notebook/profviz.ipynb run in
//    a live Jupyter kernel (tests/e2e/notebook_page.py: nbclient, nbconvert)
//    and shown as nbconvert's HTML: its %profviz output cells draw the icicle
//    in their IFrames; screenshot out/notebook.png (the README's picture).

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An HTTP server on 127.0.0.1 serving pages[path] (a string, or a file name
 * read on each request); resolves to its origin. */
function hostServer(h, pages) {
  return new Promise((ok) => {
    const srv = createServer((req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      const page = pages[path];
      if (page === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      const body = page.file ? readFileSync(page.file) : page;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(body);
    });
    srv.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${srv.address().port}`));
    h.cleanup.push(() => srv.close());
  });
}

/** A Python 3 that imports all of modules, or null. */
function pythonWith(modules) {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

/** The HTML %profviz displays for a profile, from python/profviz/display.py. */
function magicHtml(h, url, name, path, levels) {
  const py = pythonWith(['html']);
  const code = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(join(h.repo, 'python'))})`,
    'from profviz.display import ProfileView, fitting_height',
    'url, name, path, levels = sys.argv[1:5]',
    'print(ProfileView(url, path, "", name, height=fitting_height(int(levels)))._repr_html_())',
  ].join('\n');
  const r = spawnSync(py, ['-c', code, url, name, path, String(levels)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`display.py failed: ${r.stderr}`);
  return r.stdout;
}

const page = (title, body) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family: sans-serif; margin: 16px">${body}</body></html>`;

/** The profviz frame of a page (the first frame whose URL is on server). */
function profvizFrame(p, server) {
  return p.frames().find((f) => f.url().startsWith(server));
}

/** Waits until the frame has drawn its icicle; returns its boxes. Polls on a
 * timer: an IFrame out of sight gets no animation frames, so Playwright's
 * default (polling on requestAnimationFrame) would not look again. */
async function frameDrawn(frame, timeout = 15000) {
  await frame.waitForFunction(
    () => window.profviz && window.profviz.ready && window.profviz.ready() &&
      performance.getEntriesByName('profviz:drawn').length > 0,
    null, { timeout, polling: 100 });
  return frame.evaluate(() => window.profviz.boxes());
}

/** Depth of the first icicle (as the magic computes it for the height). */
async function levels(base, id) {
  const tree = await (await fetch(`${base}api/profiles/${id}/tree?depth=12`)).json();
  let deepest = 0;
  const stack = [[tree.root, 1]];
  while (stack.length) {
    const [n, l] = stack.pop();
    deepest = Math.max(deepest, l);
    for (const c of n.children || []) stack.push([c, l + 1]);
  }
  return deepest;
}

export async function embedSuite(h) {
  const { test, check, newPage, shot } = h;
  const pages = { '/favicon.ico': '' };
  const host = await hostServer(h, pages);
  const other = await hostServer(h, pages); // an origin nobody named
  const dir = mkdtempSync(join(tmpdir(), 'profviz-embed-'));
  h.cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(h.FIX, 'workload.prof'), join(dir, 'cell-1.prof'));

  let base = null;
  let view = null;
  await test('embed: profviz --dir with --embed-origin starts', async () => {
    base = await h.startServer(['--dir', dir, '-H', '127.0.0.1', '--embed-origin', host]);
    const list = await (await fetch(`${base}api/profiles`)).json();
    check(list.length === 1, `listing: ${JSON.stringify(list)}`);
    view = `${base}?profile=${list[0].id}`;
    const html = magicHtml(h, view, 'cell-1.prof', join(dir, 'cell-1.prof'), await levels(base, list[0].id));
    check(html.includes(`<iframe class="profviz-frame" src="${view}"`), `magic HTML: ${html}`);
    pages['/notebook.html'] = page('a notebook cell', `<p>In [1]: %profviz main()</p>${html}`);
    const res = await fetch(view);
    const csp = res.headers.get('content-security-policy') || '';
    check(csp.includes(`frame-ancestors 'self' ${host}`), `CSP: ${csp}`);
  });
  if (!base) return;

  await test('embed: the icicle is drawn inside the IFrame the magic shows', async () => {
    const p = await newPage({ viewport: { width: 1100, height: 760 } });
    await p.goto(`${host}/notebook.html`);
    const frame = await (async () => {
      for (let i = 0; i < 100; i++) {
        const f = profvizFrame(p, base);
        if (f) return f;
        await p.waitForTimeout(50);
      }
      return null;
    })();
    check(frame, `no profviz frame; frames: ${p.frames().map((f) => f.url())}`);
    const boxes = await frameDrawn(frame);
    check(boxes.length >= 5, `${boxes.length} boxes in the frame`);
    check(boxes.some((b) => b.name === 'main'), `no main box: ${boxes.map((b) => b.name).slice(0, 10)}`);
    const canvas = await frame.evaluate(() => {
      const c = document.getElementById('graph');
      return { w: c.clientWidth, h: c.clientHeight };
    });
    check(canvas.w > 600 && canvas.h > 100, `canvas ${JSON.stringify(canvas)}`);
    const box = await p.$eval('iframe.profviz-frame', (f) => f.getBoundingClientRect().height);
    const scroll = await frame.evaluate(() => {
      const s = document.getElementById('graph-scroll');
      return { scroll: s.scrollHeight, client: s.clientHeight };
    });
    check(scroll.scroll <= scroll.client + 1, `the icicle scrolls in a ${box}px frame: ${JSON.stringify(scroll)}`);
    check(p.errors.length === 0, `console errors: ${p.errors.join(' | ')}`);
    await shot(p, 'embed.png');
    await p.context().close();
  });

  await test('embed: another origin cannot frame profviz, and no origin can read its API', async () => {
    const p = await newPage();
    await p.goto(`${other}/notebook.html`);
    await p.waitForTimeout(1500);
    const f = profvizFrame(p, base);
    const loaded = f ? await f.evaluate(() => !!window.profviz).catch(() => false) : false;
    check(!loaded, 'the page of an origin not named with --embed-origin shows profviz');
    for (const origin of [host, other]) {
      await p.goto(`${origin}/notebook.html`);
      const read = await p.evaluate(async (url) => {
        try {
          const r = await fetch(url);
          return `read ${r.status}: ${(await r.text()).slice(0, 40)}`;
        } catch (e) {
          return 'refused';
        }
      }, `${base}api/profiles`);
      check(read === 'refused', `${origin} read the API: ${read}`);
    }
    await p.context().close();
  });

  // 3. A real notebook in a live kernel.
  const py = pythonWith(['nbclient', 'nbconvert', 'ipykernel', 'IPython']);
  await test('embed: a notebook run in Jupyter shows the icicle in its %profviz cells', async () => {
    check(py, 'no Python with nbclient, nbconvert, ipykernel (scripts/setup.sh --test)');
    const out = join(dir, '..', `${dir.split('/').pop()}-notebook.html`);
    h.cleanup.push(() => rmSync(out, { force: true }));
    const nb = join(h.repo, 'tests/integration/notebook/profviz.ipynb');
    const proc = spawn(py, [join(h.repo, 'tests/e2e/notebook_page.py'), nb, out], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PROFVIZ_BIN: h.binary, PROFVIZ_EMBED_ORIGIN: host, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    h.cleanup.push(() => proc.exitCode === null && proc.kill('SIGTERM'));
    try {
      await new Promise((ok, fail) => {
        let text = '';
        const timer = setTimeout(() => fail(new Error(`notebook not ready in 90 s: ${err}`)), 90000);
        proc.stdout.on('data', (d) => {
          text += d;
          if (/READY /.test(text)) {
            clearTimeout(timer);
            ok();
          }
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          fail(new Error(`notebook_page.py exited with ${code}: ${err}`));
        });
      });
      pages['/profviz.html'] = { file: out };
      const p = await newPage({ viewport: { width: 1280, height: 1000 } });
      // nbconvert's page refers to local MathJax/require.js files: not needed here.
      await p.route('**/*', (r) => (r.request().url().startsWith('http://127.0.0.1') ? r.continue() : r.abort()));
      await p.goto(`${host}/profviz.html`, { waitUntil: 'domcontentloaded' });
      const frames = await p.$$eval('iframe.profviz-frame', (fs) => fs.map((f) => f.src));
      check(frames.length === 2, `IFrames in the notebook: ${frames}`);
      const server = new URL(frames[0]).origin + '/';
      for (let i = 0; i < 100 && p.frames().filter((f) => f.url().startsWith(server)).length < 2; i++)
        await p.waitForTimeout(50);
      const inner = p.frames().filter((f) => f.url().startsWith(server));
      check(inner.length === 2, `profviz frames: ${inner.length}`);
      for (const f of inner) {
        const boxes = await frameDrawn(f);
        check(boxes.some((b) => b.name === 'parse'), `no parse box: ${boxes.map((b) => b.name).slice(0, 8)}`);
      }
      // (nbconvert's page refers to Debian's MathJax and require.js as file:
      // URLs, which an http page may not load; the notebook needs neither.)
      const errors = p.errors.filter((e) => !/Not allowed to load local resource: file:/.test(e));
      check(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      // The line-magic cell with its output, for the README.
      const cell = p.locator('.jp-Cell').filter({ has: p.locator('iframe.profviz-frame') }).first();
      await cell.scrollIntoViewIfNeeded();
      await p.waitForTimeout(200);
      await cell.screenshot({ path: join(h.OUT, 'notebook.png') });
      await p.context().close();
    } finally {
      proc.stdin.end();
      await new Promise((ok) => {
        if (proc.exitCode !== null) ok();
        else proc.once('exit', ok);
        setTimeout(ok, 15000);
      });
    }
  });
}
