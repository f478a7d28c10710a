// End-to-end tests of the page's start (issue 11, "first picture fast"), in
// headless Chromium against the real binary; run.mjs runs this suite with its
// harness (E2E_ONLY=start runs it alone).
//
// 1. One profile: the page asks for nothing before its first picture. No
//    /api/health, /api/profiles or tree request comes before the first
//    profviz:drawn: the server put what they say, and the start tree, into
//    the page; that tree is what the API answers for the same request, and
//    no tree is asked for twice. The first table page is asked for once
//    (boot.js's request is the one used), and the page loads one script
//    (the modules joined, server/bundle.h). A URL that asks for more than
//    the profile (a cutoff) gets no tree in the page and asks the API once.
//    Once ready, the URL names the profile shown (app.js writes it after the
//    first picture), and the bottom panes, left out of the first layout,
//    are laid out.
// 2. profviz:drawn is recorded only when boxes were drawn: at each mark the
//    page has boxes; the start page and a failed profile record none.
// 3. Team mode (--dir): a profile whose file name is markup (with `&`, quotes
//    and U+2028) reaches the page in the data block as text. The block
//    parses to the exact name, the start page lists it literally, no element
//    is injected, no script runs, no dialog opens; and the start page needs
//    no /api/profiles request either. With ?profile=ID, that profile is
//    drawn without one, and without a tree request (its tree is in the page),
//    its name in the header as it is.

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Records, at each profviz:drawn mark, how many boxes the page showed. */
function recordMarks() {
  window.__drawnBoxes = [];
  const mark = performance.mark.bind(performance);
  performance.mark = (name, opts) => {
    const m = mark(name, opts);
    if (name === 'profviz:drawn') window.__drawnBoxes.push(window.profviz ? window.profviz.boxes().length : -1);
    return m;
  };
}

/** API requests (path and query, start time) made before the first mark of name. */
function apiBefore(page, name) {
  return page.evaluate((n) => {
    const m = performance.getEntriesByName(n)[0];
    const t = m ? m.startTime : Infinity;
    return performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/') && e.startTime < t)
      .map((e) => ({ url: e.name.replace(location.origin, ''), start: e.startTime }));
  }, name);
}

export async function startSuite(h) {
  const { test, check, newPage, ready, startServer, repo, FIX, cleanup } = h;
  const EVIL = '<img src=x onerror="document.title=\'pwned\'">&amp;\u2028<b>x.prof'; // no '/': a file name
  let single = '';
  let team = '';
  const dir = mkdtempSync(join(tmpdir(), 'profviz-start-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(FIX, 'workload.prof'), join(dir, 'workload.prof'));
  copyFileSync(join(repo, 'tests/golden/tiny-profile-py313.prof'), join(dir, EVIL));

  await test('start: servers start (one profile; team mode with a markup file name)', async () => {
    single = await startServer([join(FIX, 'workload.prof')]);
    team = await startServer(['--dir', dir]);
  });
  if (!single || !team) return;

  await test('start: one profile is drawn from the page with no request before it, one table request, one script', async () => {
    const page = await newPage();
    await page.addInitScript(recordMarks);
    await page.goto(single);
    await ready(page);
    const before = await apiBefore(page, 'profviz:drawn');
    const urls = before.map((r) => r.url);
    check(!urls.some((u) => /^\/api\/(health|profiles)(\?|$)/.test(u)), `requests before the first picture: ${urls.join(', ')}`);
    check(!urls.some((u) => u.includes('/tree?')), `tree requests before the first picture: ${urls.join(', ')}`);
    const all = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name.replace(location.origin, '')));
    const trees = all.filter((u) => u.includes('/tree?') && !u.includes('depth=1&'));
    check(new Set(trees).size === trees.length, `a tree asked for twice: ${trees.join(', ')}`);
    const pages = all.filter((u) => /\/functions\?/.test(u));
    check(pages.length === 1, `table pages asked for: ${pages.join(', ')}`);
    const scripts = all.filter((u) => u.startsWith('/js/'));
    check(JSON.stringify(scripts) === '["/js/bundle.js"]', `scripts loaded: ${scripts.join(', ')}`);
    // the start tree is the API's answer to the request it names, in the compact form
    const same = await page.evaluate(async () => {
      const t = JSON.parse(document.getElementById('profviz-boot').textContent).tree;
      if (!t) return 'no tree in the page';
      if (t.body.form !== 'compact') return 'not in the compact form';
      const q = new URLSearchParams({ path: '', depth: String(t.depth), cutoff: String(t.cutoff), max_nodes: String(t.max_nodes), form: 'compact' });
      const api = await (await fetch(`/api/profiles/${t.profile}/tree?${q}`)).json();
      return JSON.stringify(api) === JSON.stringify(t.body) ? 'same' : 'different';
    });
    check(same === 'same', `the page's tree and the API's: ${same}`);
    const marks = await page.evaluate(() => window.__drawnBoxes);
    check(marks.length > 0 && marks.every((n) => n > 0), `boxes at each profviz:drawn: ${marks}`);
    // the URL names the profile shown (written after the first picture)
    const named = await page.evaluate(() => new URLSearchParams(location.search).get('profile') === window.profviz.state().profile);
    check(named, `the URL after the start: ${page.url()}`);
    // the bottom panes, left out of the first picture's layout, are laid out once it is up
    const pending = await page.evaluate(() => document.querySelectorAll('.bottom.pending').length);
    check(pending === 0, `bottom panes still left out of the layout: ${pending}`);
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
    await page.context().close();
  });

  await test('start: a URL asking more than the profile asks the API for its tree, once', async () => {
    const page = await newPage();
    await page.goto(`${single}?cutoff=0.01`);
    await ready(page);
    const block = await page.evaluate(() => JSON.parse(document.getElementById('profviz-boot').textContent).tree);
    check(block === null, `a tree in the page: ${JSON.stringify(block).slice(0, 100)}`);
    const urls = (await apiBefore(page, 'profviz:drawn')).map((r) => r.url);
    const trees = urls.filter((u) => u.includes('/tree?'));
    check(trees.length === 1 && trees[0].includes('cutoff=0.01'), `tree requests: ${urls.join(', ')}`);
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
    await page.context().close();
  });

  await test('start: no profviz:drawn without boxes (unknown profile, start page)', async () => {
    const page = await newPage();
    await page.addInitScript(recordMarks);
    await page.goto(`${single}?profile=0123456789ab`);
    await page.waitForSelector('#error:not([hidden])', { timeout: 10000 });
    await page.waitForTimeout(300);
    let marks = await page.evaluate(() => window.__drawnBoxes);
    // the page falls back to the only profile, whose boxes are drawn: every mark has boxes
    check(marks.every((n) => n > 0), `boxes at each profviz:drawn: ${marks}`);
    await page.goto(team);
    await page.waitForSelector('#start-page:not([hidden])', { timeout: 10000 });
    await page.waitForTimeout(300);
    marks = await page.evaluate(() => window.__drawnBoxes);
    const start = await page.evaluate(() => performance.getEntriesByName('profviz:start').length);
    check(marks.length === 0 && start === 1, `start page: drawn marks ${marks}, start marks ${start}`);
    await page.context().close();
  });

  let evilId = '';
  await test('start: team mode: a markup file name reaches the start page as text, with no list request', async () => {
    const page = await newPage();
    await page.goto(team);
    await page.waitForSelector('#start-page:not([hidden])', { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll('#profile-list tbody tr').length === 2, null, { timeout: 10000 });
    const data = await page.evaluate(() => JSON.parse(document.getElementById('profviz-boot').textContent));
    const names = data.profiles.map((p) => p.name);
    check(names.includes(EVIL) && data.health.uploads === true, `embedded: ${JSON.stringify(data).slice(0, 300)}`);
    evilId = data.profiles.find((p) => p.name === EVIL).id;
    const raw = await page.evaluate(() => document.getElementById('profviz-boot').textContent);
    check(!/[<>&\u2028]/.test(raw), `the block holds raw markup: ${raw.slice(0, 200)}`);
    const rows = await page.$$eval('#profile-list tbody td.name', (tds) => tds.map((td) => td.textContent));
    check(rows.includes(EVIL), `rows: ${rows}`);
    const before = (await apiBefore(page, 'profviz:start')).map((r) => r.url);
    check(!before.some((u) => /^\/api\/(health|profiles)(\?|$)/.test(u)), `requests before the start page: ${before}`);
    const dom = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      bold: document.querySelectorAll('b').length,
      scripts: document.querySelectorAll('script').length,
      title: document.title,
    }));
    check(dom.imgs === 0 && dom.bold === 0 && dom.scripts === 2, `injected: ${JSON.stringify(dom)}`);
    check(!dom.title.includes('pwned') && page.dialogs.length === 0, `a script ran: ${dom.title} ${page.dialogs}`);
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
    await page.context().close();
  });

  await test('start: team mode with ?profile=: drawn with no list request, the name shown as it is', async () => {
    check(evilId, 'no id for the markup profile');
    const page = await newPage();
    await page.goto(`${team}?profile=${evilId}`);
    await ready(page);
    const before = (await apiBefore(page, 'profviz:drawn')).map((r) => r.url);
    check(!before.some((u) => /^\/api\/(health|profiles)(\?|$)/.test(u)), `requests before the first picture: ${before}`);
    check(!before.some((u) => u.includes('/tree?')), `a tree request before the picture: ${before}`);
    const block = await page.evaluate(() => JSON.parse(document.getElementById('profviz-boot').textContent).tree);
    check(block && block.profile === evilId, `the page's start tree: ${JSON.stringify(block).slice(0, 100)}`);
    const picker = await page.$$eval('#profile-picker option', (o) => o.map((x) => x.textContent));
    check(picker.includes(EVIL), `picker: ${picker}`);
    check((await page.title()).startsWith(EVIL), `title: ${await page.title()}`);
    const dom = await page.evaluate(() => ({ imgs: document.querySelectorAll('img').length, bold: document.querySelectorAll('b').length }));
    check(dom.imgs === 0 && dom.bold === 0 && page.dialogs.length === 0, `injected: ${JSON.stringify(dom)} ${page.dialogs}`);
    await page.context().close();
  });
}
