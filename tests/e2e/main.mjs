// End-to-end tests of the main suite (E2E_ONLY=main) in headless Chromium
// against the real binary. mainSuite, on the UI embedded in the binary with
// one profile: the icicle, drilling down, breadcrumbs and the URL, history,
// copied links, the sunburst, the tooltip, the table's sorting, the function
// view, search, the keyboard, errors named in the URL, dark mode, high DPI.
// multiSuite, with --web-root web/ and two profiles: the picker, and function
// names with markup kept inert. run.mjs runs both with its harness (test,
// check, pages, servers) and its readers of the page (boxes, crumbs, rows).
const EVIL = '<img src=x onerror=alert(1)>';
const EVIL_SCRIPT = "<script>document.title='pwned'</script>";

export async function mainSuite(h, base, label) {
  const { test, check, newPage, ready, state, boxes, crumbs, drawnMarks, pickBox, clickBox, waitPath, shot, tableRows } = h;
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

  await test(`${label}: with the tree's top slow to come, ready() waits for a drill-down's breadcrumbs, not only its picture`, async () => {
    // a drill-down's crumbs come after its picture: they wait for the top of
    // the tree (a request of its own, depth=1), which may come later than the
    // subtree; a test that reads them once ready must find them made
    const p = await newPage();
    await p.route('**/api/profiles/*/tree?*', async (r) => {
      if (new URL(r.request().url()).searchParams.get('depth') === '1') await new Promise((ok) => setTimeout(ok, 600));
      await r.continue();
    });
    await p.goto(base);
    await ready(p);
    const target = await pickBox(p);
    await clickBox(p, target);
    await p.waitForFunction((n) => window.profviz.state().path.length === n, target.path.length);
    await ready(p);
    const c = await crumbs(p);
    check(c[c.length - 1] === target.name, `last crumb ${c[c.length - 1]} != ${target.name} (crumbs: ${c})`);
    await p.close();
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

  await test(`${label}: hover redraws only the hovered box, and leaving it restores the picture`, async () => {
    // the chart copies its picture and draws the hover over it (chart.js
    // drawOverPicture): the copy must be the picture, pixel for pixel
    const keep = (name) =>
      page.evaluate((k) => {
        const c = document.getElementById('graph');
        (window.__pixels ||= {})[k] = { w: c.width, h: c.height, data: c.getContext('2d').getImageData(0, 0, c.width, c.height).data };
      }, name);
    // pixels that differ between two kept pictures: {count, outside (of the rect, in canvas pixels)}
    const diff = (a, bName, rect) =>
      page.evaluate(([x, y, r]) => {
        const p = window.__pixels[x], q = window.__pixels[y];
        if (p.w !== q.w || p.h !== q.h) return { count: -1, outside: -1 };
        let count = 0, outside = 0;
        for (let i = 0; i < p.data.length; i += 4) {
          if (p.data[i] === q.data[i] && p.data[i + 1] === q.data[i + 1] && p.data[i + 2] === q.data[i + 2] && p.data[i + 3] === q.data[i + 3]) continue;
          count++;
          const px = (i / 4) % p.w, py = Math.floor(i / 4 / p.w);
          if (r && (px < r.x0 || px >= r.x1 || py < r.y0 || py >= r.y1)) outside++;
        }
        return { count, outside };
      }, [a, bName, rect]);
    const drawn = () => page.evaluate(() => performance.getEntriesByName('profviz:drawn').length);
    const settle = (n) => page.waitForFunction((k) => performance.getEntriesByName('profviz:drawn').length > k, n, { timeout: 3000 });
    await page.mouse.move(2, 2);
    await keep('before');
    const b = (await boxes(page)).find((x) => x.name === 'pipeline');
    const g = await page.evaluate(() => {
      const r = document.getElementById('graph').getBoundingClientRect();
      return { x: r.left, y: r.top, dpr: window.devicePixelRatio || 1 };
    });
    let n = await drawn();
    await page.mouse.move(b.x + 20, b.y + b.height / 2);
    await settle(n);
    await keep('hovered');
    const rect = { x0: (b.x - g.x) * g.dpr, x1: (b.x - g.x + b.width + 1) * g.dpr, y0: (b.y - g.y) * g.dpr, y1: (b.y - g.y + b.height + 1) * g.dpr };
    const d = await diff('before', 'hovered', rect);
    check(d.count > 0, 'hovering a box changed no pixel');
    check(d.outside === 0, `${d.outside} pixels changed outside the hovered box`);
    n = await drawn();
    await page.mouse.move(2, 2);
    await page.waitForSelector('#tooltip', { state: 'hidden', timeout: 3000 });
    await settle(n).catch(() => {});
    await keep('after');
    const back = await diff('before', 'after', null);
    check(back.count === 0, `leaving the box left ${back.count} pixels changed`);
    // a search changes the picture: hovering then draws over the searched one
    n = await drawn();
    await page.fill('#search', 'pipeline');
    await page.waitForFunction(() => /\d+ matching/.test(document.getElementById('match-count').textContent));
    await settle(n).catch(() => {});
    await page.mouse.move(2, 2);
    await keep('searched');
    check((await diff('before', 'searched', null)).count > 0, 'the search changed no pixel');
    n = await drawn();
    await page.mouse.move(b.x + 20, b.y + b.height / 2);
    await settle(n);
    await keep('searched-hovered');
    const s2 = await diff('searched', 'searched-hovered', rect);
    check(s2.count > 0 && s2.outside === 0, `hover over the searched picture: ${s2.count} pixels changed, ${s2.outside} outside the box`);
    await page.mouse.move(2, 2);
    await page.fill('#search', '');
    await ready(page);
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

export async function multiSuite(h, base, label) {
  const { test, check, newPage, ready, boxes, crumbs, clickBox, shot } = h;
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
