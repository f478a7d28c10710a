// End-to-end tests of team mode (issue 5) in headless Chromium against the
// real binary: `profviz --dir DIR` with two fixture profiles copied in, the
// start page, upload through the real <input type=file>, a file that is not a
// profile, drag and drop of several files, and `--token`. run.mjs runs this
// suite after its own, with its harness (test, check, pages, servers).
//
// When the binary has no --dir (or no --token), the suite reports that as a
// FAILED check rather than skipping silently.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, utimesSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const TOKEN_TEXT = 'This server needs a token';

/** The byte size the start page shows (as web/js/format.js formatBytes). */
function bytes(n) {
  if (n < 1024) return `${n} B`;
  const v = n / 1024;
  return `${Number(v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))} KB`;
}

/** A folder holding copies of the given fixtures, the first one the newest. */
function profileDir(h, names) {
  const dir = mkdtempSync(join(tmpdir(), 'profviz-team-'));
  const now = Date.now() / 1000;
  names.forEach((name, k) => {
    const to = join(dir, name);
    copyFileSync(join(h.FIX, name), to);
    const t = now - 300 - k * 7200; // 5 minutes ago, then 2 hours older each
    utimesSync(to, t, t);
  });
  h.cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function apiJson(base, path, init = {}) {
  const res = await fetch(new URL(path, base), init);
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

const startRows = (page) =>
  page.$$eval('#profile-list tbody tr', (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.id,
      name: tr.querySelector('td.name').textContent,
      cells: [...tr.children].map((c) => c.textContent),
      fresh: tr.classList.contains('fresh'),
    })),
  );

async function waitStart(page, rows) {
  await page.waitForSelector('#start-page:not([hidden])', { timeout: 10000 });
  if (rows !== undefined) {
    await page.waitForFunction((n) => document.querySelectorAll('#profile-list tbody tr').length === n, rows, { timeout: 10000 });
  }
}

/** Drops files on the page as a user would: dragenter, dragover, drop with a DataTransfer. */
async function dropFiles(page, files) {
  const payload = files.map((f) => ({ name: f.name, b64: Buffer.from(f.data).toString('base64') }));
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bin = atob(f.b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      dt.items.add(new File([arr], f.name));
    }
    window.__dropData = dt;
    const target = document.elementFromPoint(innerWidth / 2, innerHeight / 2) || document.body;
    for (const type of ['dragenter', 'dragover']) {
      target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: innerWidth / 2, clientY: innerHeight / 2 }));
    }
  }, payload);
  await page.waitForSelector('#drop-overlay:not([hidden])', { timeout: 3000 });
  await page.evaluate(() => {
    const target = document.elementFromPoint(innerWidth / 2, innerHeight / 2) || document.body;
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: window.__dropData, bubbles: true, cancelable: true }));
  });
}

export async function teamSuite(h) {
  const { test, check, newPage, ready, boxes, shot, startServer, FIX } = h;
  let help = '';
  try {
    help = execFileSync(h.binary, ['--help'], { encoding: 'utf8' });
  } catch (e) {
    help = String(e.stdout || '');
  }
  const hasDir = /--dir\b/.test(help);
  const hasToken = /--token\b/.test(help);

  await test('team: profviz supports --dir (team mode, issue 5)', async () => {
    check(hasDir, `${h.binary} --help lists no --dir option: the server side of team mode is missing, so the team tests cannot run`);
  });
  if (!hasDir) return;

  const dir = profileDir(h, ['workload.prof', 'markup.prof']);
  let base = null;
  await test('team: server starts with --dir and two profiles', async () => {
    base = await startServer(['--dir', dir]);
  });
  if (!base) return;

  await test('team: /api/health says uploads are on', async () => {
    const r = await apiJson(base, '/api/health');
    check(r.status === 200 && r.body && r.body.uploads === true, `health: ${r.status} ${JSON.stringify(r.body)}`);
  });

  const page = await newPage();
  let uploadedId = null;

  await test('team: the start page lists the profiles newest first with size, date and counts', async () => {
    await page.goto(base);
    await waitStart(page, 2);
    const rows = await startRows(page);
    check(JSON.stringify(rows.map((r) => r.name)) === '["workload.prof","markup.prof"]', `order: ${rows.map((r) => r.name)}`);
    const w = rows[0].cells;
    check(w[1] === bytes(statSync(join(FIX, 'workload.prof')).size), `size cell: ${w[1]}`);
    check(/^\d{4}-\d\d-\d\d \d\d:\d\d/.test(w[2]) && /5 minutes ago/.test(w[2]), `date cell: ${w[2]}`);
    check(/2 hours ago/.test(rows[1].cells[2]), `date cell: ${rows[1].cells[2]}`);
    check(w[3] === '203', `functions cell: ${w[3]}`);
    check(/\d (s|ms|µs)$/.test(w[5]), `total time cell: ${w[5]}`);
    check(await page.isVisible('#upload-start'), 'no upload button on the start page');
    check(await page.isHidden('#search'), 'view controls shown on the start page');
    check((await page.getAttribute('#upload-input', 'accept')) === '.prof,.pstats,.gz', 'file picker accepts other files');
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
    await shot(page, 'team-start.png');
  });

  await test('team: a row opens its profile and the logo comes back to the start page', async () => {
    await page.click('#profile-list tbody tr:first-child td.num >> nth=0');
    await ready(page);
    check((await boxes(page)).some((b) => b.name === 'pipeline'), 'workload icicle not drawn');
    await page.click('#brand');
    await waitStart(page, 2);
    check(new URL(page.url()).search === '', `start page URL: ${page.url()}`);
    await page.goBack();
    await ready(page);
    check((await h.state(page)).profile, 'back did not return to the profile');
    await page.goto(base);
    await waitStart(page, 2);
  });

  await test('team: uploading a profile through the file picker opens its view and draws the icicle', async () => {
    const resp = page.waitForResponse((r) => r.url().includes('/api/profiles?name=') && r.request().method() === 'POST', { timeout: 10000 });
    await page.setInputFiles('#upload-input', join(FIX, 'upload.prof'));
    const r = await resp;
    check(r.status() === 201, `upload answered HTTP ${r.status()}, want 201`);
    check(new URL(r.url()).searchParams.get('name') === 'upload.prof', `upload name: ${r.url()}`);
    const list = await apiJson(base, '/api/profiles');
    const summary = (list.body || []).find((x) => x.name === 'upload.prof');
    check(summary, `upload.prof not in the list: ${JSON.stringify(list.body)}`);
    await page.waitForFunction((id) => window.profviz.state().profile === id, summary.id, { timeout: 10000 });
    await ready(page);
    uploadedId = summary.id;
    const b = await boxes(page);
    check(b.length >= 4 && b.some((x) => x.name === 'nightly_report'), `icicle of upload.prof: ${b.map((x) => x.name)}`);
    check(new URL(page.url()).searchParams.get('profile') === summary.id, `URL: ${page.url()}`);
    check((await page.inputValue('#profile-picker')) === summary.id, 'header does not show the uploaded profile');
    check(page.errors.length === 0, `console errors: ${page.errors.join(' | ')}`);
    await shot(page, 'team-uploaded.png');
  });

  await test('team: the start page now lists 3 profiles, the upload first and marked new', async () => {
    await page.click('#brand');
    await waitStart(page, 3);
    const rows = await startRows(page);
    check(rows[0].name === 'upload.prof' && rows[0].id === uploadedId, `first row: ${JSON.stringify(rows[0])}`);
    check(rows[0].fresh, 'uploaded row not marked');
    check(/just now|minute/.test(rows[0].cells[2]), `date of the upload: ${rows[0].cells[2]}`);
    const list = await apiJson(base, '/api/profiles');
    check(list.body.length === 3, `the server lists ${list.body.length} profiles`);
    await shot(page, 'team-start-3.png');
  });

  await test('team: the same file uploaded again opens the same profile, no duplicate', async () => {
    const resp = page.waitForResponse((r) => r.url().includes('/api/profiles?name=') && r.request().method() === 'POST', { timeout: 10000 });
    await page.setInputFiles('#upload-input', join(FIX, 'upload.prof'));
    const r = await resp;
    check(r.status() === 200, `second upload answered HTTP ${r.status()}, want 200`);
    await page.waitForFunction((id) => window.profviz.state().profile === id, uploadedId, { timeout: 10000 });
    await ready(page);
    const list = await apiJson(base, '/api/profiles');
    check(list.body.length === 3, `the server lists ${list.body.length} profiles after a duplicate`);
  });

  await test("team: uploading a text file shows the server's message, and nothing is stored", async () => {
    const notes = readFileSync(join(FIX, 'notes.txt'));
    const direct = await apiJson(base, '/api/profiles?name=probe.txt', { method: 'POST', body: notes });
    check(direct.status === 400 && direct.body && direct.body.error, `server answered ${direct.status} ${JSON.stringify(direct.body)}`);
    await page.goto(base);
    await waitStart(page, 3);
    await page.setInputFiles('#upload-input', join(FIX, 'notes.txt'));
    await page.waitForSelector('#uploads.has-errors:not(.running)', { timeout: 10000 });
    const shown = await page.textContent('#uploads .upload-error');
    check(shown === direct.body.error, `shown "${shown}", the server said "${direct.body.error}"`);
    check(/not a Python profile/.test(shown), `message: ${shown}`);
    check(await page.isVisible('#uploads .upload-error'), 'error not visible');
    check(/failed/.test(await page.textContent('#uploads-title')), 'title does not say the upload failed');
    check(await page.isVisible('#start-page'), 'left the start page after a failed upload');
    await shot(page, 'team-upload-error.png');
    const list = await apiJson(base, '/api/profiles');
    check(list.body.length === 3, `the server lists ${list.body.length} profiles after a bad upload`);
    await page.click('#uploads-close');
    check(await page.isHidden('#uploads'), 'uploads panel not dismissed');
  });

  await test('team: dropping several files uploads each (one gzip-compressed), then shows the list', async () => {
    const tiny = readFileSync(join(h.repo, 'tests/golden/tiny-cprofile-py313.prof'));
    await dropFiles(page, [
      { name: 'tiny.prof.gz', data: gzipSync(tiny) },
      { name: 'notes.txt', data: readFileSync(join(FIX, 'notes.txt')) },
    ]);
    await page.waitForSelector('#drop-overlay', { state: 'hidden', timeout: 3000 });
    await page.waitForSelector('#uploads:not(.running)', { timeout: 10000 });
    const items = await page.$$eval('#uploads-list li', (li) => li.map((x) => ({ cls: x.className, text: x.textContent })));
    check(items.length === 2, `upload items: ${JSON.stringify(items)}`);
    check(/stored/.test(items[0].cls) && items[0].text.includes('tiny.prof.gz'), `gz upload: ${JSON.stringify(items[0])}`);
    check(/failed/.test(items[1].cls) && /not a Python profile/.test(items[1].text), `text upload: ${JSON.stringify(items[1])}`);
    check((await page.textContent('#uploads-title')) === '1 of 2 uploads failed', `title: ${await page.textContent('#uploads-title')}`);
    await waitStart(page, 4);
    const rows = await startRows(page);
    check(rows.some((r) => r.name.startsWith('tiny') && r.fresh), `rows: ${rows.map((r) => r.name)}`);
    await shot(page, 'team-dropped.png');
  });

  await test('team: a file name with markup stays text (panel, header, list)', async () => {
    const evil = '<img src=x onerror=alert(1)>.prof';
    const data = readFileSync(join(h.repo, 'tests/golden/tiny-profile-py313.prof'));
    await dropFiles(page, [{ name: evil, data }]);
    await page.waitForFunction(() => window.profviz.state().profile, null, { timeout: 10000 });
    await ready(page);
    await page.click('#brand');
    await waitStart(page, 5);
    const rows = await startRows(page);
    const stored = (await apiJson(base, '/api/profiles')).body.map((x) => x.name);
    check(rows.some((r) => stored.includes(r.name) && r.name.includes('onerror')), `rows: ${rows.map((r) => r.name)} (server: ${stored})`);
    const dom = await page.evaluate(() => ({ imgs: document.querySelectorAll('img').length, title: document.title }));
    check(dom.imgs === 0, `${dom.imgs} <img> injected`);
    check(page.dialogs.length === 0, `dialogs: ${page.dialogs}`);
  });

  await test('team: in a profile view, copy link gives a link that reopens it', async () => {
    const p = await newPage();
    await p.goto(`${base}?profile=${uploadedId}`);
    await ready(p);
    await p.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await p.click('#copy-link');
    await p.waitForSelector('#toast:not([hidden])', { timeout: 3000 });
    const copied = await p.evaluate(() => navigator.clipboard.readText());
    check(new URL(copied).searchParams.get('profile') === uploadedId, `copied ${copied}`);
    check(!/token/.test(copied), `copied link has a token: ${copied}`);
    await p.context().close();
  });

  await test('team: start page screenshot (light)', async () => {
    const p = await newPage({ viewport: { width: 1280, height: 520 } });
    await p.goto(base);
    await waitStart(p, 5);
    await p.hover('#profile-list tbody tr:nth-child(2)');
    await shot(p, 'team-start-light.png');
    await p.context().close();
  });

  await test('team: dark mode start page', async () => {
    const p = await newPage({ colorScheme: 'dark' });
    await p.goto(base);
    await waitStart(p, 5);
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    check(r + g + b < 150, `dark background is ${bg}`);
    await shot(p, 'team-start-dark.png');
    await p.context().close();
  });

  await test('team: names are kept as uploaded (NAU-CCL+Epymorph.prof), and the filter box narrows the list', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'profviz-names-'));
    h.cleanup.push(() => rmSync(tmp, { recursive: true, force: true }));
    const name = 'NAU-CCL+Epymorph.prof';
    writeFileSync(join(tmp, name), readFileSync(join(h.repo, 'tests/golden/cprofile-py312.prof')));
    const p = await newPage();
    await p.goto(base);
    await waitStart(p, 5);
    await p.setInputFiles('#upload-input', join(tmp, name));
    await p.waitForFunction(() => window.profviz.state().profile, null, { timeout: 10000 });
    await ready(p);
    check((await p.textContent('#profile-picker option:checked')) === name, `header shows ${await p.textContent('#profile-picker option:checked')}`);
    const panel = await p.textContent('#uploads');
    check(panel.includes(name) && !/stored as/.test(panel), `upload panel: ${panel}`);
    await p.click('#brand');
    await waitStart(p, 6);
    const rows = await startRows(p);
    check(rows.some((r) => r.name === name), `listed: ${rows.map((r) => r.name)}`);
    await p.fill('#profile-filter', 'epymorph');
    await p.waitForFunction(() => document.querySelectorAll('#profile-list tbody tr').length === 1);
    check((await startRows(p))[0].name === name, 'the filter kept the wrong row');
    await p.fill('#profile-filter', 'no such profile here');
    await p.waitForSelector('#start-nomatch:not([hidden])');
    await p.fill('#profile-filter', '');
    await waitStart(p, 6);
    await shot(p, 'team-names.png');
    await p.context().close();
  });

  await test('team: in a profile view the upload panel never covers the chart, and each result stays listed until dismissed', async () => {
    const p = await newPage({ viewport: { width: 1280, height: 720 } });
    await p.goto(`${base}?profile=${uploadedId}`);
    await ready(p);
    const rect = (sel) => p.$eval(sel, (e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height }; });
    const paneBefore = await rect('#graph-pane');
    await p.setInputFiles('#upload-input', join(FIX, 'notes.txt'));
    await p.waitForSelector('#uploads.has-errors:not(.running)', { timeout: 10000 });
    await ready(p);
    const panel = await rect('#uploads');
    const pane = await rect('#graph-pane');
    check(panel.bottom <= pane.top + 0.5, `the panel (${panel.top}..${panel.bottom}) overlaps the chart (${pane.top}..${pane.bottom})`);
    const b = await boxes(p);
    check(b.length > 3, `only ${b.length} boxes with the panel open`);
    check(b.every((x) => x.y >= pane.top - 0.5), 'a box is drawn above the chart pane, under the panel');
    await shot(p, 'team-panel-profile-1280.png');
    // a good upload opens its profile; both results stay listed past the old toast's 1.6 s
    await p.setInputFiles('#upload-input', join(FIX, 'upload.prof'));
    await p.waitForFunction((id) => window.profviz.state().profile === id, uploadedId, { timeout: 10000 });
    await ready(p);
    await p.waitForTimeout(2500);
    check(await p.isVisible('#uploads'), 'the upload results vanished without being dismissed');
    const items = await p.$$eval('#uploads-list li', (li) => li.map((x) => x.className));
    check(items.length === 2 && items.some((c) => /failed/.test(c)) && items.some((c) => /exists|stored/.test(c)), `listed: ${items}`);
    await p.click('#uploads-close');
    check(await p.isHidden('#uploads'), 'not dismissed');
    await p.waitForFunction((h0) => document.getElementById('graph-pane').getBoundingClientRect().top < h0, pane.top, { timeout: 3000 });
    check(p.errors.filter((e) => !/status of 400/.test(e)).length === 0, `console errors: ${p.errors.join(' | ')}`);
    await p.context().close();
    check(paneBefore.height > 0, 'no chart pane');
  });

  await test('team: no console errors apart from the rejected uploads', async () => {
    const other = page.errors.filter((e) => !/status of 400/.test(e));
    check(other.length === 0, `console errors: ${other.join(' | ')}`);
  });
  await page.context().close();

  // ---- --max-upload-mb ---------------------------------------------------------

  await test('team: a file over --max-upload-mb shows the server\'s message', async () => {
    check(/--max-upload-mb\b/.test(help), 'profviz --help lists no --max-upload-mb');
    const dir3 = profileDir(h, ['workload.prof']);
    const b3 = await startServer(['--dir', dir3, '--max-upload-mb', '1']);
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    const p = await newPage();
    await p.goto(b3);
    await waitStart(p, 1);
    await p.setInputFiles('#upload-input', { name: 'big.prof', mimeType: 'application/octet-stream', buffer: big });
    await p.waitForSelector('#uploads.has-errors:not(.running)', { timeout: 15000 });
    const shown = await p.textContent('#uploads .upload-error');
    check(/1 MB|too large|limit/i.test(shown), `shown: ${shown}`);
    await shot(p, 'team-too-large.png');
    await p.context().close();
  });

  // ---- --token -----------------------------------------------------------------

  await test('team: profviz supports --token', async () => {
    check(hasToken, `${h.binary} --help lists no --token option: the token part of team mode is missing`);
  });
  if (!hasToken) return;

  const dir2 = profileDir(h, ['workload.prof', 'markup.prof']);
  let tbase = null;
  await test('team: server starts with --dir and --token', async () => {
    tbase = await startServer(['--dir', dir2, '--token', 'secret']);
  });
  if (!tbase) return;

  await test('team: without the token the API answers 401 and the page says a token is needed', async () => {
    const r = await apiJson(tbase, '/api/profiles');
    check(r.status === 401, `GET /api/profiles without a token: ${r.status}`);
    const h2 = await apiJson(tbase, '/api/health');
    check(h2.status === 200, `GET /api/health without a token: ${h2.status}`);
    const p = await newPage();
    await p.goto(tbase);
    // without the cookie the page itself may be refused too; either way it must say so
    const text = await p.textContent('body');
    const shown = text.includes(TOKEN_TEXT) || text.toLowerCase().includes('token');
    check(shown, `no message about the token: ${text.slice(0, 300)}`);
    await p.context().close();
  });

  await test('team: opening /?token=secret once works, the start page loads and upload works', async () => {
    const p = await newPage();
    await p.goto(`${tbase}?token=secret`);
    await waitStart(p, 2);
    check(!/token=/.test(p.url()), `the token stayed in the address bar: ${p.url()}`);
    check(await p.isHidden('#error'), `error shown: ${await p.textContent('#error-text')}`);
    await p.setInputFiles('#upload-input', join(FIX, 'upload.prof'));
    await p.waitForFunction(() => window.profviz.state().profile, null, { timeout: 10000 });
    await ready(p);
    check((await boxes(p)).some((b) => b.name === 'nightly_report'), 'uploaded profile not drawn');
    await p.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await p.click('#copy-link');
    await p.waitForSelector('#toast:not([hidden])', { timeout: 3000 });
    const copied = await p.evaluate(() => navigator.clipboard.readText());
    check(!/token/.test(copied), `copied link has the token: ${copied}`);
    check(p.errors.length === 0, `console errors: ${p.errors.join(' | ')}`);
    await shot(p, 'team-token.png');
    await p.context().close();
  });

  await test('team: a teammate link with ?token= and a profile opens that profile', async () => {
    const list = await apiJson(tbase, '/api/profiles', { headers: { Authorization: 'Bearer secret' } });
    check(list.status === 200, `GET /api/profiles with the bearer token: ${list.status}`);
    const w = list.body.find((x) => x.name === 'workload.prof');
    const p = await newPage();
    await p.goto(`${tbase}?token=secret&profile=${w.id}&view=sunburst`);
    await ready(p);
    const s = await h.state(p);
    check(s.profile === w.id && s.view === 'sunburst', `state: ${JSON.stringify(s)}`);
    check(!/token=/.test(p.url()), `the token stayed in the address bar: ${p.url()}`);
    await p.context().close();
  });

  await test('team: a copied link holding ?token= is cleaned before copying', async () => {
    // the server may keep ?token= in the address bar (no redirect): the copy must still drop it
    const p = await newPage();
    await p.goto(`${tbase}?token=secret`);
    await waitStart(p, 3);
    await p.evaluate(() => history.replaceState(null, '', '/?token=secret&x=1'));
    await p.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await p.click('#copy-link');
    await p.waitForSelector('#toast:not([hidden])', { timeout: 3000 });
    const copied = await p.evaluate(() => navigator.clipboard.readText());
    check(!/token/.test(copied) && /x=1/.test(copied), `copied: ${copied}`);
    await p.context().close();
  });
}
