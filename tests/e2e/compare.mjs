// End-to-end tests of comparing two profiles, in headless Chromium against
// the real binary; run.mjs runs this suite with its harness (E2E_ONLY=compare
// runs it alone). Fixtures: tests/golden/compare/before-py313.prof and
// after-py313.prof (a workload before and after an edit: slow_sum slower,
// old_path gone, new_path new).
//
// 1. `profviz compare BASE NEW` prints the page it opens; that page shows
//    NEW's icicle coloured by change with its legend, and the comparison
//    table biggest change first.
// 2. Sorting by change and by ratio from the table's headers.
// 3. Colours: a slower function's box is red, a faster one's blue, new code
//    striped; the tooltip shows both times and the change.
// 4. Drill-down: the view root's BASE time is BASE's own tree at the mapped
//    path; switching to BASE's tree keeps the same place.
// 5. A copied link opens the same comparison in a fresh page.
// 6. The function view shows BASE's and NEW's numbers and callers side by
//    side; its link reopens it.
// 7. The table's page offset is in the URL (coffset) and a link reopens it.
// 8. Team mode: two profiles ticked on the start page open their
//    comparison; "compare with…" on an open profile does too, and its link
//    reopens the same state in a fresh page.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, copyFileSync, utimesSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Starts `profviz compare -s -p PORT BASE NEW`; resolves to {proc, serving, opening}. */
async function startCompare(binary, files, cleanup) {
  const port = await freePort();
  const proc = spawn(binary, ['compare', '-s', '-p', String(port), ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(() => proc.kill('SIGTERM'));
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`profviz compare printed no page within 15 s: ${out} ${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const s = /profviz: serving (http:\/\/\S+\/)\n/.exec(out);
      const o = /profviz: opening (http:\/\/\S+)\n/.exec(out);
      if (s && o) {
        clearTimeout(timer);
        ok({ proc, serving: s[1], opening: o[1] });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`profviz compare exited with ${code}: ${err.trim()}`));
    });
  });
}

/** The colour of the canvas at page point (x, y): [r, g, b]. */
function pixel(page, x, y) {
  return page.evaluate(
    ([px, py]) => {
      const c = document.getElementById('graph');
      const r = c.getBoundingClientRect();
      const dpr = c.width / r.width;
      const d = c.getContext('2d').getImageData(Math.round((px - r.left) * dpr), Math.round((py - r.top) * dpr), 1, 1).data;
      return [d[0], d[1], d[2]];
    },
    [x, y],
  );
}

export async function compareSuite(h) {
  const { binary, repo, OUT, test, check, newPage, ready, state, boxes, shot, startServer, cleanup } = h;
  const dir = join(repo, 'tests', 'golden', 'compare');
  const BEFORE = join(dir, 'before-py313.prof');
  const AFTER = join(dir, 'after-py313.prof');
  let served = null;
  let page = null;
  const rows = () => page.evaluate(() => window.profviz.compareRows());
  const boxNamed = async (name) => (await boxes(page)).find((b) => b.name === name && b.kind !== 'hidden');
  const waitState = (pred, arg) => page.waitForFunction(pred, arg, { timeout: 10000 });

  await test('compare: `profviz compare BASE NEW` opens the comparison', async () => {
    served = await startCompare(binary, [BEFORE, AFTER], cleanup);
    check(served.opening.startsWith(served.serving + '?profile='), `opening ${served.opening}`);
    page = await newPage();
    await page.goto(served.opening);
    await ready(page);
    const s = await state(page);
    check(s.base && s.profile && s.base !== s.profile && s.view === 'compare', `state ${JSON.stringify(s)}`);
    check(await page.isVisible('#compare-pane'), 'the comparison table is shown');
    check(!(await page.isVisible('#table-pane')), 'the function table is hidden');
    const legend = await page.evaluate(() => window.profviz.legendText());
    for (const w of ['change from BASE', 'slower', 'faster', 'within ±5%', 'new code', 'uncertain']) check(legend.includes(w), `legend lacks "${w}": ${legend}`);
    await page.waitForFunction(() => window.profviz.compareRows().length > 0); // the table follows the picture
    const r = await rows();
    check(r.length === 15, `${r.length} rows`);
    check(r[0][0].startsWith('slow_sum') && r[0][4].startsWith('+'), `first row ${r[0]}`);
    const meta = await page.textContent('#profile-meta');
    check(/comparing BASE before-py313\.prof .* → NEW after-py313\.prof/.test(meta), `header: ${meta}`);
    check(page.errors.length === 0, `console errors: ${page.errors}`);
    await shot(page, 'compare.png');
  });

  await test('compare: the table sorts by change and by ratio', async () => {
    check(page, 'no page');
    await page.click('#comparison th[data-csort=tottime_change]');
    await waitState(() => window.profviz.state().csort === 'tottime_change');
    await ready(page);
    await page.waitForFunction(() => window.profviz.compareRows().length > 0);
    let r = await rows();
    const signs = r.map((x) => x[4][0]);
    check(signs[0] === '+' && signs[signs.length - 1] === '−', `desc: ${signs.join('')}`);
    await page.click('#comparison th[data-csort=tottime_change]');
    await waitState(() => window.profviz.state().corder === 'asc');
    await page.waitForFunction(() => window.profviz.compareRows()[0][4].startsWith('−'));
    r = await rows();
    check(r[0][0].startsWith('<built-in method builtins.sorted>'), `fastest first: ${r[0]}`);
    await page.click('#comparison th[data-csort=ratio]');
    await waitState(() => window.profviz.state().csort === 'ratio');
    await page.waitForFunction(() => window.profviz.compareRows()[0][5] === 'new');
    r = await rows();
    const ratios = r.map((x) => x[5]).filter((x) => x.startsWith('×')).map((x) => Number(x.slice(1)));
    check(ratios.every((v, i) => i === 0 || ratios[i - 1] >= v), `ratios ${ratios}`);
    check(new URL(page.url()).searchParams.get('csort') === 'ratio', `URL ${page.url()}`);
    // normalised: changes in percentage points of each run's total
    await page.click('#compare-pane .compare-normalised');
    await waitState(() => window.profviz.state().cmode === 'normalised');
    await page.waitForFunction(() => / pp$/.test(window.profviz.compareRows()[0][4]) || window.profviz.compareRows()[0][4] === '0');
    r = await rows();
    check(r.some((x) => x[2].endsWith('%')), `shares: ${r[0]}`);
    await page.click('#compare-pane .compare-normalised');
    await waitState(() => window.profviz.state().cmode === 'absolute');
    await page.click('#comparison th[data-csort=tottime_change]');
    await waitState(() => window.profviz.state().csort === 'tottime_change');
  });

  await test('compare: boxes are red when slower, blue when faster, striped when new', async () => {
    check(page, 'no page');
    const slow = await boxNamed('slow_sum');
    const fast = await boxNamed('<built-in method builtins.sorted>');
    const fresh = await boxNamed('new_path');
    check(slow && fast, 'slow_sum and sorted boxes drawn');
    const es = await page.evaluate((p) => window.profviz.compareEntry(p), slow.path);
    check(es && es.other !== null && es.change > 0, `slow_sum entry ${JSON.stringify(es)}`);
    const [r1, , b1] = await pixel(page, slow.x + slow.width - 3, slow.y + 3);
    check(r1 > b1 + 40, `slow_sum is not red: ${[r1, b1]}`);
    const [r2, , b2] = await pixel(page, fast.x + fast.width - 3, fast.y + 3);
    check(b2 > r2 + 20, `sorted is not blue: ${[r2, b2]}`);
    if (fresh) {
      const ef = await page.evaluate((p) => window.profviz.compareEntry(p), fresh.path);
      check(ef && ef.other === null, `new_path entry ${JSON.stringify(ef)}`);
    }
    await page.mouse.move(slow.x + Math.min(slow.width / 2, 30), slow.y + slow.height / 2);
    await page.waitForSelector('#tooltip:not([hidden]) .tt-compare');
    const tip = await page.textContent('#tooltip');
    check(/BASE here/.test(tip) && /NEW here/.test(tip) && /change\+/.test(tip), `tooltip: ${tip}`);
  });

  await test('compare: drill-down keeps BASE and NEW at the same place', async () => {
    check(page, 'no page');
    const main = await boxNamed('main');
    check(main, 'main box');
    await page.mouse.click(main.x + Math.min(main.width / 2, 30), main.y + main.height / 2);
    await waitState((p) => JSON.stringify(window.profviz.state().path) === p, JSON.stringify(main.path));
    await ready(page);
    const s = await state(page);
    const root = await page.evaluate((p) => window.profviz.compareEntry(p), s.path);
    const ct = await page.evaluate(async (st) => (await fetch(`/api/compare/tree?base=${st.base}&new=${st.profile}&path=${st.path.join(',')}&depth=0`)).json(), s);
    const bt = await page.evaluate(async (a) => (await fetch(`/api/profiles/${a.base}/tree?path=${a.other.join(',')}&depth=0`)).json(), { base: s.base, other: ct.other_path });
    check(root && root.other === bt.root.time, `view root: BASE ${root && root.other}, BASE's own tree ${bt.root.time}`);
    // BASE's tree at the same place
    await page.click('#compare-side');
    await waitState(() => window.profviz.state().side === 'base');
    await ready(page);
    const sb = await state(page);
    check(sb.profile === s.base && sb.base === s.profile, `swapped ${JSON.stringify(sb)}`);
    check(JSON.stringify(sb.path) === JSON.stringify(ct.other_path), `BASE path ${sb.path} vs ${ct.other_path}`);
    const top = (await boxes(page))[0];
    check(top.name === 'main', `BASE's view root is ${top.name}`);
    const legend = await page.evaluate(() => window.profviz.legendText());
    check(legend.includes("BASE's tree") && legend.includes('gone in NEW'), `legend ${legend}`);
    await page.click('#compare-side');
    await waitState(() => window.profviz.state().side === 'new');
    await ready(page);
    check(JSON.stringify((await state(page)).path) === JSON.stringify(s.path), 'back at the same place in NEW');
  });

  await test('compare: the function view shows both runs', async () => {
    check(page, 'no page');
    // slow_sum's row in the table opens its function view
    await page.click('#comparison tbody tr:first-child');
    await waitState(() => window.profviz.state().fn !== null);
    await page.waitForFunction(() => window.profviz.compareFunction() !== null, null, { timeout: 10000 });
    const cf = await page.evaluate(() => window.profviz.compareFunction());
    const s = await state(page);
    const d = await page.evaluate(async (st) => (await fetch(`/api/compare/function?base=${st.base}&new=${st.profile}&fid=${st.fn}`)).json(), s);
    check(d.function.name === 'slow_sum' && d.function.base && d.function.new, `function ${JSON.stringify(d.function)}`);
    check(cf.totals.length === 3 && cf.totals[1][0] === 'own time' && cf.totals[1][3].startsWith('+'), `totals ${JSON.stringify(cf.totals)}`);
    check(cf.totals[0][1] === String(d.function.base.ncalls) && cf.totals[0][2] === String(d.function.new.ncalls), `calls ${cf.totals[0]}`);
    check(cf.callers.length === d.callers.length && cf.callers[0][0].startsWith('main'), `callers ${JSON.stringify(cf.callers)}`);
    check(cf.callers[0][1] !== '–' && cf.callers[0][2] !== '–', 'main calls slow_sum in both runs');
    // the link keeps the open function, and it opens with both runs again
    const other = await newPage();
    await other.goto(page.url());
    await ready(other);
    await other.waitForFunction(() => window.profviz.compareFunction() !== null, null, { timeout: 10000 });
    check(JSON.stringify(await other.evaluate(() => window.profviz.compareFunction())) === JSON.stringify(cf), 'the link shows the same');
    await other.context().close();
    await shot(page, 'compare-function.png');
    await page.click('#function-view .fv-close');
    await waitState(() => window.profviz.state().fn === null);
    check((await page.evaluate(() => window.profviz.compareFunction())) === null, 'closed with the view');
    check(page.errors.length === 0, `console errors: ${page.errors}`);
  });

  await test('compare: a copied link reopens the comparison', async () => {
    check(page, 'no page');
    const url = page.url();
    const s = await state(page);
    const r = await rows();
    const other = await newPage();
    await other.goto(url);
    await ready(other);
    const s2 = await other.evaluate(() => window.profviz.state());
    check(JSON.stringify(s2) === JSON.stringify(s), `state ${JSON.stringify(s2)} vs ${JSON.stringify(s)}`);
    await other.waitForFunction((n) => window.profviz.compareRows().length === n, r.length);
    const r2 = await other.evaluate(() => window.profviz.compareRows());
    check(JSON.stringify(r2) === JSON.stringify(r), 'same rows');
    await other.context().close();
    await page.context().close();
    page = null;
  });

  await test('compare: the table page is in the URL and a link reopens it', async () => {
    // 209 functions a side: three pages of 100
    const big = await startCompare(binary, [join(dir, 'posix-py313.prof'), join(dir, 'windows-py313.prof')], cleanup);
    page = await newPage();
    await page.goto(big.opening);
    await ready(page);
    await page.waitForFunction(() => window.profviz.compareRows().length === 100);
    const first = await rows();
    await page.click('#compare-pane .page-next');
    await waitState(() => window.profviz.state().coffset === 100);
    await page.waitForFunction(() => /^101–/.test(document.querySelector('#compare-pane .page-info').textContent));
    const second = await rows();
    check(second[0][0] !== first[0][0], `page 2 starts elsewhere: ${second[0][0]}`);
    check(new URL(page.url()).searchParams.get('coffset') === '100', `URL ${page.url()}`);
    const other = await newPage();
    await other.goto(page.url());
    await ready(other);
    await other.waitForFunction(() => /^101–/.test(document.querySelector('#compare-pane .page-info').textContent));
    const again = await other.evaluate(() => window.profviz.compareRows());
    check(JSON.stringify(again) === JSON.stringify(second), 'the link shows the same page');
    check((await other.evaluate(() => window.profviz.state())).coffset === 100, 'offset kept');
    await other.context().close();
    // a new sort starts at the first page
    await page.click('#comparison th[data-csort=ratio]');
    await waitState(() => window.profviz.state().csort === 'ratio' && window.profviz.state().coffset === 0);
    check(!new URL(page.url()).searchParams.has('coffset'), `URL ${page.url()}`);
    await page.waitForFunction(() => /^1–/.test(document.querySelector('#compare-pane .page-info').textContent));
    check(page.errors.length === 0, `console errors: ${page.errors}`);
    await page.context().close();
    page = null;
  });

  await test('compare: team mode, two profiles ticked on the start page and "compare with…"', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'profviz-compare-e2e-'));
    cleanup.push(() => rmSync(folder, { recursive: true, force: true }));
    copyFileSync(BEFORE, join(folder, 'before.prof'));
    copyFileSync(AFTER, join(folder, 'after.prof'));
    utimesSync(join(folder, 'before.prof'), new Date(2026, 0, 1), new Date(2026, 0, 1));
    utimesSync(join(folder, 'after.prof'), new Date(2026, 0, 2), new Date(2026, 0, 2));
    const base = await startServer(['--dir', folder]);
    page = await newPage();
    await page.goto(base);
    await page.waitForSelector('#profile-list tbody tr');
    const list = await page.evaluate(async () => (await fetch('/api/profiles')).json());
    const id = (n) => list.find((p) => p.name === n).id;
    await page.check(`#profile-list tr[data-id="${id('after.prof')}"] input.compare-pick`);
    check(await page.isDisabled('#compare-selected'), 'one ticked: the button waits');
    check(!(await state(page)).profile, 'ticking does not open a profile');
    await page.check(`#profile-list tr[data-id="${id('before.prof')}"] input.compare-pick`);
    await page.click('#compare-selected');
    await ready(page);
    let s = await state(page);
    check(s.base === id('before.prof') && s.profile === id('after.prof') && s.view === 'compare', `state ${JSON.stringify(s)}`);
    await page.waitForFunction(() => window.profviz.compareRows().length > 0); // the table follows the picture
    check((await rows())[0][0].startsWith('slow_sum'), 'biggest change first');
    // an open profile, "compare with…"
    await page.goto(`${base}?profile=${id('after.prof')}`);
    await ready(page);
    check(await page.isVisible('#compare-with'), 'compare with… is offered');
    await page.selectOption('#compare-with', id('before.prof'));
    await ready(page);
    s = await state(page);
    check(s.base === id('before.prof') && s.view === 'compare', `state ${JSON.stringify(s)}`);
    // a shared link from team mode reopens the exact state: sort, mode, drill-down
    await page.click('#comparison th[data-csort=ratio]');
    await waitState(() => window.profviz.state().csort === 'ratio');
    await page.click('#compare-pane .compare-normalised');
    await waitState(() => window.profviz.state().cmode === 'normalised');
    await page.waitForFunction(() => / pp$/.test(window.profviz.compareRows()[0][4]) || window.profviz.compareRows()[0][4] === '0');
    s = await state(page);
    const shared = await newPage();
    await shared.goto(page.url());
    await ready(shared);
    const s2 = await shared.evaluate(() => window.profviz.state());
    check(JSON.stringify(s2) === JSON.stringify(s), `shared state ${JSON.stringify(s2)} vs ${JSON.stringify(s)}`);
    const want = await rows();
    await shared.waitForFunction((n) => window.profviz.compareRows().length === n, want.length);
    check(JSON.stringify(await shared.evaluate(() => window.profviz.compareRows())) === JSON.stringify(want), 'shared link: same rows');
    await shared.context().close();
    check(page.errors.length === 0, `console errors: ${page.errors}`);
    await shot(page, 'compare-team.png');
    await page.context().close();
    page = null;
  });
  void OUT;
}
