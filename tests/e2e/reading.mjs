// End-to-end tests of reading the picture (issues 8 and 11) in headless
// Chromium against the real binary, on the bundled example
// (assets/example.prof, a real `python -m cProfile` run): the icicle agrees
// with the table, times are written in units people read, overlays stay in
// the viewport, deeper requests never show less, sunburst labels never
// overlap, wheel zoom and drag pan, colour modes, folding, crumbs that
// collapse, and screenshots of every view at two sizes in both themes.
// run.mjs runs this suite with its harness (test, check, pages, servers).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlappingPairs } from '../web/overlap.mjs';

const SIZES = [
  [1400, 900],
  [1280, 720],
];

/** A profile with a 400-character function name and a long file path, made by python3 (cProfile). */
function longNameProfile(h) {
  const dir = mkdtempSync(join(tmpdir(), 'profviz-long-'));
  h.cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'long-names.prof');
  const name = 'very_long_function_name_' + 'segment_'.repeat(47);
  const src = [
    'import cProfile',
    `src = "def ${name}(n):\\n    s = 0\\n    for i in range(n): s += i * i\\n    return s\\n"`,
    `code = compile(src, "/home/someone/projects/a/rather/deeply/nested/package/path/that/keeps/going/module_with_a_long_name.py", "exec")`,
    'ns = {}',
    'exec(code, ns)',
    'def main():',
    `    for _ in range(30): ns["${name}"](3000)`,
    `cProfile.run("main()", ${JSON.stringify(out)})`,
  ].join('\n');
  execFileSync('python3', ['-c', src]);
  return { file: out, name };
}

const within = (r, vw, vh) => r.left >= 0 && r.top >= 0 && r.right <= vw && r.bottom <= vh;
const rectOf = (page, sel) =>
  page.$eval(sel, (e) => {
    const r = e.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
  });

async function hoverTip(h, page, b, dx = 10) {
  await page.mouse.move(b.x + Math.min(dx, b.width / 2), b.y + b.height / 2);
  await page.waitForSelector('#tooltip:not([hidden])', { timeout: 3000 });
  await page.waitForFunction(() => ![...document.querySelectorAll('#tooltip td')].some((td) => td.textContent === '…'), null, { timeout: 5000 });
  return page.$$eval('#tooltip tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.children[0].textContent, tr.children[1].textContent])));
}

export async function readingSuite(h) {
  const { test, check, newPage, ready, state, boxes, shot, startServer, repo, OUT } = h;
  let base = null;
  await test('reading: server starts with the bundled example', async () => {
    base = await startServer([join(repo, 'assets/example.prof')]);
  });
  if (!base) return;
  const page = await newPage({ viewport: { width: 1400, height: 900 } });

  await test("reading: the <module> box's label and tooltip show the same cumtime as its row in the table", async () => {
    await page.goto(base);
    await ready(page);
    const all = await boxes(page);
    const mod = all.filter((b) => b.name === '<module>').sort((a, b) => b.width - a.width)[0];
    check(mod, `no <module> box: ${all.slice(0, 8).map((b) => b.name)}`);
    const fid = mod.path[mod.path.length - 1];
    const labels = await page.evaluate(() => window.profviz.labels());
    const label = labels.find((l) => l.text.startsWith('<module> (') && Math.abs(l.cy - (mod.y + mod.height / 2)) < 2 && l.cx >= mod.x && l.cx <= mod.x + mod.width);
    check(label, `no label on the <module> box: ${labels.filter((l) => l.text.startsWith('<module>')).map((l) => l.text)}`);
    const labelTime = /\(([^)]+)\)$/.exec(label.text)[1];
    // the table's row for that function, sorted by cumtime
    await page.goto(`${base}?profile=${(await state(page)).profile}&sort=cumtime`);
    await ready(page);
    const cell = await page.$eval(`#functions tbody tr[data-fid="${fid}"]`, (tr) => tr.children[4].textContent).catch(() => null);
    check(cell, `no table row for function ${fid} on the first page sorted by cumtime`);
    check(labelTime === cell, `the <module> box says ${labelTime}, its row in the table says cumtime ${cell}`);
    const b = (await boxes(page)).find((x) => x.path.join() === mod.path.join());
    const tip = await hoverTip(h, page, b);
    check(tip['in this branch'].startsWith(cell), `tooltip "in this branch" ${tip['in this branch']}, table ${cell}`);
    check(tip['in this branch'].includes('exact'), `the <module> box is not exact: ${tip['in this branch']}`);
    check(tip['function total'] === `${cell} (cumtime)`, `tooltip "function total" ${tip['function total']}, table ${cell}`);
    for (const k of ['own time', 'calls']) check(tip[k] && tip[k] !== '…', `tooltip lacks ${k}: ${JSON.stringify(tip)}`);
    await shot(page, 'module-tooltip.png');
  });

  await test('reading: estimated boxes say why in the tooltip; the legend explains exact and estimated', async () => {
    await page.goto(base);
    await ready(page);
    const legend = await page.textContent('#legend');
    check(/exact/.test(legend) && /estimated/.test(legend), `legend: ${legend}`);
    const title = await page.getAttribute('#legend .legend-key', 'title');
    check(/caller→callee totals, not call stacks/.test(title), `legend line: ${title}`);
    await page.hover('#legend .legend-help');
    await page.waitForSelector('.help-panel', { timeout: 2000 });
    const help = await page.textContent('.help-panel');
    check(/does not store call stacks/.test(help) && /re-entry/.test(help), `help: ${help}`);
    const r = await rectOf(page, '.help-panel');
    check(within(r, 1400, 900), `help panel leaves the viewport: ${JSON.stringify(r)}`);
    await shot(page, 'legend-help.png');
    await page.mouse.move(2, 2);
    // a node the server marks as an estimate with a reason (issue 8 trees; older servers give none)
    const tree = await page.evaluate(async () => {
      const s = window.profviz.state();
      return (await fetch(`/api/profiles/${s.profile}/tree?depth=6`)).json();
    });
    const stack = [tree.root];
    let why = null;
    while (stack.length && !why) {
      const n = stack.pop();
      if (!n.exact && n.why) why = n;
      for (const c of n.children || []) stack.push(c);
    }
    if (why) {
      const b = (await boxes(page)).find((x) => x.name === why.name && x.width > 8);
      if (b) {
        await hoverTip(h, page, b, 4);
        const t = await page.textContent('#tooltip');
        check(/estimate: /.test(t), `tooltip of an estimated ${why.name} (${why.why}) gives no reason: ${t}`);
      }
    }
  });

  await test('reading: no time cell reads 0.000 for a non-zero time (table and function view)', async () => {
    const bad = [];
    for (const q of ['', '&order=asc', '&sort=tottime_percall&order=asc', '&sort=cumtime&order=asc']) {
      await page.goto(`${base}?profile=${(await state(page)).profile}${q}`);
      await ready(page);
      const cells = await page.$$eval('#functions tbody td.num[title]', (tds) => tds.map((td) => [td.textContent, td.title]));
      check(cells.length > 100, `only ${cells.length} time cells`);
      for (const [text, title] of cells) {
        const v = parseFloat(title);
        if (v !== 0 && /^0(\.0*)?( ?[mµn]?s)?$/.test(text)) bad.push(`${text} for ${title}`);
        if (v !== 0 && !/[µmn]?s$/.test(text)) bad.push(`${text} has no unit (${title})`);
      }
    }
    await page.click('#functions tbody tr');
    await page.waitForSelector('#function-view:not([hidden]) .fv-time');
    await page.waitForFunction(() => !/Loading/.test(document.querySelector('#function-view .fn-name').textContent));
    const detail = await page.$$eval('#function-view .fv-time[title], #function-view dd[title]', (x) => x.map((e) => [e.textContent, e.title]));
    check(detail.length > 4, `only ${detail.length} times in the function view`);
    for (const [text, title] of detail) if (parseFloat(title) !== 0 && /^0(\.0*)?( ?[mµn]?s)?($| )/.test(text)) bad.push(`details: ${text} for ${title}`);
    check(!bad.length, `time cells that hide their value: ${bad.slice(0, 6).join('; ')}`);
    const heads = await page.$$eval('#functions thead th', (t) => t.map((x) => x.firstChild.textContent.trim()));
    check(new Set(heads).size === heads.length, `column names repeat: ${heads}`);
    for (const want of ['own %', 'cum %', 'tottime/call', 'cumtime/call']) check(heads.includes(want), `no ${want} column: ${heads}`);
    // the pstats switch shows raw seconds, and comes back
    await page.check('#table-pane .raw-toggle input');
    await page.waitForFunction(() => /^\d+\.\d{3}$/.test(document.querySelector('#functions tbody td:nth-child(2)').textContent));
    await page.uncheck('#table-pane .raw-toggle input');
    await page.waitForFunction(() => /s$/.test(document.querySelector('#functions tbody td:nth-child(2)').textContent));
  });

  await test('reading: the table opens on own time, so its first row is the largest tottime', async () => {
    await page.goto(base);
    await ready(page);
    const first = await page.$eval('#functions tbody tr', (tr) => Number(tr.dataset.fid));
    const top = await page.evaluate(async () => {
      const s = window.profviz.state();
      return (await fetch(`/api/profiles/${s.profile}/functions?sort=tottime&limit=1`).then((r) => r.json())).rows[0].id;
    });
    check(first === top, `first row ${first}, largest tottime ${top}`);
  });

  await test('reading: tooltips and the function panel stay inside the viewport, long names included', async () => {
    const long = longNameProfile(h);
    const lbase = await startServer([long.file]);
    for (const [w, hh] of SIZES) {
      const p = await newPage({ viewport: { width: w, height: hh } });
      for (const url of [base, lbase]) {
        await p.goto(url);
        await ready(p);
        const all = await boxes(p);
        const picks = [all[0], all.find((b) => b.name === long.name), all.filter((b) => b.width > 4).sort((a, b) => b.x + b.width - (a.x + a.width))[0], all.filter((b) => b.width > 4).sort((a, b) => b.y - a.y)[0]].filter(Boolean);
        for (const b of picks) {
          for (const dx of [2, b.width - 2]) {
            await p.mouse.move(b.x + Math.max(1, Math.min(dx, b.width - 1)), b.y + b.height / 2);
            await p.waitForSelector('#tooltip:not([hidden])', { timeout: 3000 });
            await p.waitForTimeout(60);
            const r = await rectOf(p, '#tooltip');
            check(within(r, w, hh), `${w}x${hh}: the tooltip of ${b.name.slice(0, 40)} leaves the viewport: ${JSON.stringify(r)}`);
          }
        }
      }
      // the long name in the details panel: bounded, full text on demand (title)
      await p.goto(`${lbase}?sort=name`);
      await ready(p);
      const row = p.locator('#functions tbody tr', { has: p.locator('.fn', { hasText: long.name }) });
      await row.click();
      await p.waitForFunction((n) => document.querySelector('#function-view .fn-name').textContent === n, long.name);
      const r = await rectOf(p, '#function-view');
      check(within(r, w, hh), `${w}x${hh}: the function panel leaves the viewport: ${JSON.stringify(r)}`);
      const nameBox = await rectOf(p, '#function-view .fn-name');
      check(nameBox.height < 120, `${w}x${hh}: the long name takes ${nameBox.height} px of the function panel`);
      check((await p.getAttribute('#function-view .fn-name', 'title')) === long.name, 'the full name is not on demand (title)');
      if (w === 1280) await shot(p, 'long-name-details-1280.png');
      await p.context().close();
    }
  });

  await test('reading: a deeper or lower-cutoff request never shows fewer boxes', async () => {
    const count = async (q) => {
      await page.goto(`${base}?profile=${(await state(page)).profile}${q}`);
      await ready(page);
      // function boxes only: the grey remainders of cut children come and go with the cut
      return (await page.evaluate(() => window.profviz.boxes(true))).filter((b) => b.kind === 'node').length;
    };
    const def = await count('');
    const results = { default: def };
    for (const q of ['&depth=60', '&cutoff=0', '&depth=60&cutoff=0', '&depth=30&cutoff=0.0001']) results[q] = await count(q);
    const worse = Object.entries(results).filter(([, n]) => n < def);
    check(!worse.length, `fewer boxes than the default (${def}): ${JSON.stringify(results)}`);
  });

  await test('reading: no sunburst label overlaps another or leaves its segment, at both sizes, top and drilled in', async () => {
    for (const [w, hh] of SIZES) {
      const p = await newPage({ viewport: { width: w, height: hh } });
      await p.goto(`${base}?view=sunburst`);
      await ready(p);
      for (let round = 0; round < 2; round++) {
        const labels = await p.evaluate(() => window.profviz.labels());
        check(labels.length >= 6, `${w}x${hh}: only ${labels.length} sunburst labels`);
        const pairs = overlappingPairs(labels);
        check(!pairs.length, `${w}x${hh}: labels overlap: ${pairs.slice(0, 4).map(([i, j]) => `"${labels[i].text}" / "${labels[j].text}"`).join(', ')}`);
        const centre = labels.filter((l) => l.angle === 0 && Math.abs(l.cx - labels[0].cx) < 1);
        check(centre.every((l) => !/^.{0,3}…$/.test(l.text)), `${w}x${hh}: centre label cut to ${centre.map((l) => l.text)}`);
        const r = await rectOf(p, '#graph-scroll');
        const b = await boxes(p);
        const radius = Math.max(...b.map((x) => Math.hypot(x.x + x.width / 2 - (r.left + r.width / 2), x.y + x.height / 2 - (r.top + r.height / 2))));
        check(radius > Math.min(r.width, r.height) * 0.33, `${w}x${hh}: the sunburst uses ${radius.toFixed(0)} px of a ${r.width}x${r.height} pane`);
        await shot(p, `sunburst-${round ? 'drilled-' : ''}${w}x${hh}.png`);
        if (round === 0) {
          const target = b.filter((x) => x.path.length >= 3 && x.name !== '…').sort((x, y) => y.width - x.width)[0];
          check(target, 'nothing to drill into');
          await p.mouse.click(target.x + target.width / 2, target.y + target.height / 2);
          await p.waitForFunction((n) => window.profviz.state().path.length === n, target.path.length);
          await ready(p);
        }
      }
      await p.context().close();
    }
  });

  await test('reading: wheel zooms around the pointer, drag pans, a click after a drag does not drill, Reset zoom and Escape reset', async () => {
    await page.goto(base);
    await ready(page);
    const before = await boxes(page);
    const target = before.filter((b) => b.path.length >= 3 && b.width > 60 && b.width < 400 && b.x > 100 && b.x + b.width / 2 < 1000)[0];
    check(target, 'no box to zoom on');
    const px = target.x + target.width / 2;
    const py = target.y + target.height / 2;
    await page.mouse.move(px, py);
    for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -240);
    await page.waitForTimeout(100);
    const zoomed = await boxes(page);
    const same = zoomed.find((b) => b.path.join() === target.path.join());
    check(same && same.width > target.width * 2, `box ${target.name} is ${same && same.width} px wide after zooming in (was ${target.width})`);
    check(same.x <= px && same.x + same.width >= px, 'the box under the pointer moved away from it');
    check(JSON.stringify((await state(page)).path) === '[]', 'zooming changed the view root');
    check(/zoomed/.test(await page.textContent('#focus-info')), 'the status line does not say the view is zoomed');
    // drag right by 150 px: the picture follows (watched on a box wholly inside the canvas)
    const probe = zoomed.find((b) => b.x > 60 && b.x + b.width < 1150 && b.width > 20 && b.path.length >= 2);
    check(probe, 'no box wholly inside the canvas after zooming');
    const find = async (b) => (await boxes(page)).find((x) => x.path.join() === b.path.join() && Math.abs(x.y - b.y) < 1);
    await page.mouse.move(px, py);
    await page.mouse.down();
    await page.mouse.move(px + 60, py, { steps: 3 });
    await page.mouse.move(px + 150, py, { steps: 3 });
    await page.mouse.up();
    await page.waitForTimeout(100);
    const panned = await find(probe);
    const moved = panned ? panned.x - probe.x : NaN;
    check(Math.abs(moved - 150) < 12, `dragging 150 px moved the box by ${moved} px`);
    check(JSON.stringify((await state(page)).path) === '[]', 'the click ending a drag drilled down');
    // a horizontal wheel pans too
    await page.mouse.wheel(120, 0);
    await page.waitForTimeout(80);
    const hw = await find(probe);
    check(hw && hw.x < panned.x - 50, `a horizontal wheel did not pan (${panned.x} -> ${hw && hw.x})`);
    await shot(page, 'icicle-zoomed.png');
    await page.click('#zoom-reset');
    await page.waitForTimeout(100);
    const reset = await boxes(page);
    check(Math.abs(reset[0].width - before[0].width) < 1, `after Reset zoom the root is ${reset[0].width} px (was ${before[0].width})`);
    check(await page.isHidden('#zoom-reset'), 'Reset zoom still shown');
    // zoom, then Escape resets before going up; a click still drills
    await page.mouse.move(px, py);
    await page.mouse.wheel(0, -300);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(80);
    check(Math.abs((await boxes(page))[0].width - before[0].width) < 1, 'Escape did not reset the zoom');
    const t2 = (await boxes(page)).find((b) => b.path.join() === target.path.join());
    await page.mouse.click(t2.x + t2.width / 2, t2.y + t2.height / 2);
    await page.waitForFunction((p) => JSON.stringify(window.profviz.state().path) === p, JSON.stringify(target.path));
    await ready(page);
  });

  await test('reading: colour by own time shows a heat legend, by module the top modules; the choice is in the URL', async () => {
    await page.goto(base);
    await ready(page);
    const items = await page.$$eval('#legend .legend-item', (x) => x.map((e) => e.textContent));
    check(items.length >= 3, `module legend: ${items}`);
    await page.selectOption('#colour-mode', 'self');
    await page.waitForFunction(() => window.profviz.state().colour === 'self');
    await ready(page);
    check(new URL(page.url()).searchParams.get('colour') === 'self', 'colour mode not in the URL');
    await page.waitForSelector('#legend .legend-gradient');
    const text = await page.textContent('#legend .legend-scale');
    check(/own time/.test(text) && /s$/.test(text.trim()), `heat legend: ${text}`);
    await shot(page, 'icicle-own-time.png');
    await page.selectOption('#colour-mode', 'module');
  });

  await test('reading: fold chains folds single-child chains into marked boxes', async () => {
    await page.goto(base);
    await ready(page);
    const flat = await page.evaluate(() => window.profviz.boxes(true));
    await page.check('#fold');
    await page.waitForFunction(() => window.profviz.state().fold === true);
    await ready(page);
    const folded = await page.evaluate(() => window.profviz.boxes(true));
    const marked = folded.filter((b) => b.folded);
    check(marked.length >= 1, 'no folded box');
    check(marked.every((b) => b.folded.length >= 2 && b.name === b.folded[b.folded.length - 1]), `folded boxes: ${JSON.stringify(marked.slice(0, 2))}`);
    const labels = await page.evaluate(() => window.profviz.labels());
    check(labels.some((l) => l.text.includes(' › ')), 'no label shows a folded chain');
    const depthOf = (bs) => new Set(bs.map((b) => b.y)).size;
    check(depthOf(folded) >= Math.min(depthOf(flat), 10), 'folding left the pane emptier');
    const m = marked.sort((a, b) => b.width - a.width)[0];
    await page.mouse.click(m.x + Math.min(40, m.width / 2), m.y + m.height / 2);
    await page.waitForFunction((p) => JSON.stringify(window.profviz.state().path) === p, JSON.stringify(m.path));
    await ready(page);
    await shot(page, 'icicle-folded.png');
    await page.uncheck('#fold');
    await ready(page);
  });

  await test('reading: at 1280 px the breadcrumbs collapse from the middle and the last one is whole', async () => {
    const p = await newPage({ viewport: { width: 1280, height: 720 } });
    await p.goto(base);
    await ready(p);
    for (let i = 0; i < 14; i++) {
      const b = await boxes(p);
      const root = b[0];
      const kid = b.filter((x) => x.path.length === root.path.length + 1 && x.name !== '…').sort((a, c) => c.width - a.width)[0];
      if (!kid) break;
      await p.mouse.click(kid.x + Math.min(40, kid.width / 2), kid.y + kid.height / 2);
      await p.waitForFunction((n) => window.profviz.state().path.length === n, kid.path.length);
      await ready(p);
    }
    const fit = await p.$eval('#breadcrumbs', (ol) => ({ sw: ol.scrollWidth, cw: ol.clientWidth, more: !!ol.querySelector('.crumb-more'), n: ol.querySelectorAll('li').length }));
    check(fit.sw <= fit.cw + 1, `crumbs overflow: ${JSON.stringify(fit)}`);
    check(fit.more, `no collapsed crumbs after a deep drill-down: ${JSON.stringify(fit)}`);
    const last = await p.$eval('#breadcrumbs li:last-child a', (a) => ({ sw: a.scrollWidth, cw: a.clientWidth, text: a.textContent }));
    check(last.sw <= last.cw + 1, `the last crumb is cut: ${JSON.stringify(last)}`);
    await p.click('#breadcrumbs .crumb-more button');
    await p.waitForSelector('.crumb-menu a');
    const menu = await p.$$eval('.crumb-menu a', (a) => a.length);
    check(menu >= 1, 'the … menu is empty');
    const r = await rectOf(p, '.crumb-menu');
    check(within(r, 1280, 720), `crumb menu leaves the viewport: ${JSON.stringify(r)}`);
    await shot(p, 'crumbs-1280.png');
    const depth = (await state(p)).path.length;
    await p.click('.crumb-menu a');
    await p.waitForFunction((n) => window.profviz.state().path.length < n, depth);
    await ready(p);
    await p.context().close();
  });

  await test('reading: profviz:drawn marks only drawn boxes; the start page has its own mark', async () => {
    const p = await newPage();
    await p.goto(base);
    await ready(p);
    const n = await p.evaluate(() => performance.getEntriesByName('profviz:drawn').length);
    check(n >= 1, 'no profviz:drawn mark');
    check((await boxes(p)).length > 0, 'a drawn mark without boxes');
    await p.context().close();
  });

  await test('reading: screenshots of every view at 1400x900 and 1280x720, light and dark', async () => {
    const views = await page.$$eval('#view-buttons [data-view]', (b) => b.map((x) => x.dataset.view));
    check(views.length >= 2, `views: ${views}`);
    for (const scheme of ['light', 'dark']) {
      for (const [w, hh] of SIZES) {
        const p = await newPage({ viewport: { width: w, height: hh }, colorScheme: scheme });
        for (const v of views) {
          await p.goto(`${base}?view=${v}`);
          await ready(p);
          check((await boxes(p)).length > 5, `${v} ${w}x${hh} ${scheme}: nothing drawn`);
          await shot(p, `view-${v}-${w}x${hh}-${scheme}.png`);
        }
        check(p.errors.length === 0, `console errors: ${p.errors.join(' | ')}`);
        await p.context().close();
      }
    }
    check(existsSync(join(OUT, `view-icicle-1400x900-light.png`)), 'no screenshot written');
  });

  await test('reading: the README screenshots (readme-*.png, copied to assets/ by hand)', async () => {
    const p = await newPage({ viewport: { width: 1400, height: 900 } });
    await p.goto(base);
    await ready(p);
    const b = (await boxes(p)).filter((x) => x.name === 'write_report').sort((x, y) => y.width - x.width)[0];
    check(b, 'no write_report box');
    await hoverTip(h, p, b, 140);
    await shot(p, 'readme-icicle.png');
    await p.mouse.move(2, 2);
    const fid = b.path[b.path.length - 1];
    // the table's turn: a chart pane dragged to 300 px (remembered, as the splitter does)
    await p.evaluate(() => localStorage.setItem('profviz.chartHeight', '300'));
    await p.goto(`${base}?profile=${(await state(p)).profile}&fn=${fid}`);
    await ready(p);
    await p.waitForFunction(() => document.querySelectorAll('#function-view .fv-callees .fv-row').length > 1);
    check(Math.abs((await rectOf(p, '#graph-pane')).height - 300) < 1, 'the remembered chart height is not used');
    await shot(p, 'readme-table.png');
    await p.evaluate(() => localStorage.removeItem('profviz.chartHeight'));
    await p.goto(`${base}?view=sunburst`);
    await ready(p);
    await shot(p, 'readme-sunburst.png');
    await p.context().close();
  });

  await test('reading: no console errors during the suite', async () => {
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
  });
  await page.context().close();
}
