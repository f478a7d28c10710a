// End-to-end tests of the function view and of search's jumps, in headless
// Chromium against the real binary; run.mjs runs this suite with its harness
// (E2E_ONLY=function runs it alone). Fixture: make_many_callers.py writes a
// profile where isinstance has 846 callers (written to a temporary folder).
//
// 1. A table row opens the function view: it lists every one of the 846
//    callers, and their edge times add up to isinstance's cumtime; the
//    profviz:function mark is recorded.
// 2. A call site is one click away: clicking it makes that path the view
//    root, with isinstance at the root.
// 3. The fn URL parameter reopens the view in a fresh page.
// 4. A box's right click opens its function.
// 5. Search: matches outside the view are counted; next and previous land on
//    matches (the view root is a matching function), and wrap around.
// 6. The table limited to the view root's subtree lists only its functions.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function functionSuite(h) {
  const { test, check, newPage, ready, state, boxes, shot, startServer, repo, OUT, cleanup } = h;
  const dir = mkdtempSync(join(tmpdir(), 'profviz-fn-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'many-callers.prof');
  execFileSync('python3', [join(repo, 'tests/e2e/make_many_callers.py'), file, '--callers', '846']);
  let base = '';
  let page;
  let fid = -1;
  let cumtime = 0;

  await test('function: server starts with the 846-caller profile', async () => {
    base = await startServer([file]);
    page = await newPage();
  });
  if (!base) return;

  await test('function: a table row opens the view with every caller, their edges adding up to the cumtime', async () => {
    await page.goto(base);
    await ready(page);
    await page.locator('#functions tbody tr', { has: page.locator('.fn', { hasText: 'isinstance' }) }).click();
    await page.waitForFunction(() => window.profviz.functionView() !== null, null, { timeout: 10000 });
    const fv = await page.evaluate(() => window.profviz.functionView());
    const s = await state(page);
    check(fv.fn === s.fn, `view shows ${fv.fn}, state names ${s.fn}`);
    fid = fv.fn;
    const f = await page.evaluate(async (u) => (await (await fetch(u)).json()).function, `/api/profiles/${s.profile}/functions/${fid}`);
    cumtime = f.cumtime;
    check(fv.callers.length === 846, `${fv.callers.length} callers listed, want 846`);
    check(new Set(fv.callers.map((c) => c.id)).size === 846, 'a caller is listed twice');
    const sum = fv.callers.reduce((a, c) => a + c.time, 0);
    check(Math.abs(sum - cumtime) <= 1e-9 * Math.max(1, cumtime), `caller edges add up to ${sum}, cumtime is ${cumtime}`);
    check(fv.callees.length === 0, `isinstance has ${fv.callees.length} callees`);
    const rows = await page.$$eval('#function-view .fv-callers .fv-row[aria-level="1"]', (r) => r.length);
    check(rows === 846, `${rows} caller rows drawn`);
    const marks = await page.evaluate(() => performance.getEntriesByName('profviz:function').length);
    check(marks >= 1, 'no profviz:function mark');
    // deeper levels are estimates only where they are: a caller's single caller is exact
    await page.click('#function-view .fv-callers .fv-row[aria-level="1"] .fv-twist');
    await page.waitForSelector('#function-view .fv-callers .fv-row[aria-level="2"]');
    await shot(page, 'function-view.png');
  });

  await test('function: a call site is one click away and becomes the view root', async () => {
    await page.waitForSelector('#function-view .fv-site');
    const n = await page.$$eval('#function-view .fv-site', (l) => l.length);
    check(n === 50, `${n} call sites listed, want the 50 largest`);
    await page.click('#function-view .fv-site >> nth=3');
    await page.waitForFunction(() => window.profviz.state().path.length === 6, null, { timeout: 10000 });
    await ready(page);
    const b = await boxes(page);
    check(b[0].name === '<built-in function isinstance>', `view root is ${b[0].name}`);
  });

  await test('function: the fn URL parameter reopens the view', async () => {
    const url = page.url();
    check(new URL(url).searchParams.get('fn') === String(fid), `fn not in ${url}`);
    const other = await newPage();
    await other.goto(url);
    await ready(other);
    await other.waitForFunction(() => window.profviz.functionView() !== null, null, { timeout: 10000 });
    const fv = await other.evaluate(() => window.profviz.functionView());
    check(fv.fn === fid && fv.callers.length === 846, `reopened: fn ${fv.fn}, ${fv.callers.length} callers`);
    check(other.errors.length === 0, `console errors: ${other.errors.join(' | ')}`);
    await other.context().close();
  });

  await test('function: a right click on a box opens its function', async () => {
    await page.goto(base);
    await ready(page);
    const b = (await boxes(page)).find((x) => x.name === 'main');
    check(b, 'no main box');
    await page.mouse.click(b.x + 20, b.y + b.height / 2, { button: 'right' });
    await page.waitForFunction(() => {
      const v = window.profviz.functionView();
      return v && document.querySelector('#function-view .fn-name').textContent === 'main';
    });
    const fv = await page.evaluate(() => window.profviz.functionView());
    check(fv.callees.length === 12, `main has ${fv.callees.length} callees, want 12`);
  });

  await test('function: search counts matches outside the view; next and previous land on matches', async () => {
    await page.goto(base);
    await ready(page);
    // drill into one group: most callers lie outside it
    const g = (await boxes(page)).find((x) => x.name === 'group_0');
    await page.mouse.click(g.x + 10, g.y + g.height / 2);
    await page.waitForFunction(() => window.profviz.state().path.length === 4);
    await ready(page);
    await page.fill('#search', 'caller_1');
    await page.waitForFunction(() => /outside this view/.test(document.getElementById('match-count').textContent), null, { timeout: 10000 });
    const text = await page.textContent('#match-count');
    const m = /(\d+) matching box(?:es)? · (\d+) outside this view/.exec(text);
    check(m, `match count reads "${text}"`);
    check(Number(m[2]) > 0, `nothing outside the view: ${text}`);
    const seen = [];
    for (let k = 0; k < 3; k++) {
      await page.click('.search-next');
      await page.waitForFunction((n) => document.getElementById('match-count').textContent.includes(`match ${n} of`), k + 1, { timeout: 10000 });
      await ready(page);
      const root = (await boxes(page))[0];
      check(root.name.includes('caller_1'), `next #${k + 1} landed on ${root.name}`);
      seen.push((await state(page)).path.join(','));
    }
    check(new Set(seen).size === 3, `next visited ${seen}`);
    await page.click('.search-prev');
    await page.waitForFunction(() => document.getElementById('match-count').textContent.includes('match 2 of'), null, { timeout: 10000 });
    await ready(page);
    check((await state(page)).path.join(',') === seen[1], 'previous did not go back to the second match');
    // Enter in the search box is next
    await page.focus('#search');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('match-count').textContent.includes('match 3 of'), null, { timeout: 10000 });
    await ready(page);
    check((await state(page)).path.join(',') === seen[2], 'Enter did not go to the third match');
    await shot(page, 'search-jump.png');
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  });

  await test('function: the table can be limited to the view root\'s subtree', async () => {
    await page.goto(base);
    await ready(page);
    const g = (await boxes(page)).find((x) => x.name === 'group_3');
    await page.mouse.click(g.x + 10, g.y + g.height / 2);
    await page.waitForFunction(() => window.profviz.state().path.length === 4);
    await ready(page);
    await page.check('#sub-toggle');
    await page.waitForFunction(() => /in this subtree/.test(document.getElementById('table-count').textContent));
    await ready(page);
    check(new URL(page.url()).searchParams.get('sub') === '1', 'sub not in the URL');
    const info = await page.textContent('#page-info');
    // group_3 calls caller_3, caller_15, ... (846 / 12 of them), each calls isinstance
    const want = 1 + Math.ceil((846 - 3) / 12) + 1;
    check(info.endsWith(`of ${want}`), `page info ${info}, want ${want} functions`);
    const names = await page.$$eval('#functions tbody .fn', (t) => t.map((x) => x.textContent));
    check(names.every((n) => n === 'group_3' || /^caller_\d+$/.test(n) || n.includes('isinstance')), `rows outside the subtree: ${names.slice(0, 5)}`);
    await page.uncheck('#sub-toggle');
    await page.waitForFunction(() => !/in this subtree/.test(document.getElementById('table-count').textContent));
  });
}
