// app.js: the page controller. The URL is the source of truth for what is
// shown (profile, view root path, view, search, depth, cutoff, open function);
// user actions change the URL and render() makes the page match it. Data come
// only from the REST API (api.js); every profile string reaches the page via
// textContent or canvas fillText.

import * as api from './api.js';
import { $, el, clear, delayedShow } from './dom.js';
import { flatten, neighbour } from './layout.js';
import { Graph } from './graph.js';
import { FunctionTable } from './table.js';
import { Details } from './details.js';
import { parseState, formatState, shareableUrl, DEFAULT_DEPTH, DEFAULT_CUTOFF } from './urlstate.js';
import {
  formatTime, formatPercent, formatCount, formatFileLine, formatBytes, formatDateTime, formatRelative, parseTimestamp,
} from './format.js';
import { findTreePath } from './rootpath.js';
import { newestFirst, sameIds, wantsStartPage } from './listing.js';
import { Uploader } from './upload.js';

let state = parseState(location.search);
let profiles = [];
let uploads = false; // the server takes uploads (--dir mode), from /api/health
let listError = null; // why the list of profiles could not be loaded
let listedAt = 0;
let freshIds = new Set(); // profiles of the last upload batch, marked on the start page
const info = new Map(); // per profile: {summary, top: {id, name, time}}
const names = new Map(); // `${profile}:${fid}` -> name, from every node and row seen
const fnCache = new Map(); // `${profile}:${fid}` -> Promise of GET .../functions/{fid}
let items = [];
let rootPath = [];
let treeToken = 0;
let treeAbort = null;
let shownTreeKey = '';

const graph = new Graph($('graph'), $('graph-scroll'), {
  click: (i) => drill(i),
  hover: (i, x, y) => showTooltip(i, x, y),
  leave: () => hideTooltip(),
});
const table = new FunctionTable({ open: (fid) => openFunction(fid), error: showError });
const details = new Details({
  open: (fid) => openFunction(fid),
  root: (fid) => makeRoot(fid),
  close: () => setState({ fn: null }, false),
  error: showError,
});

// ---- state and URL -------------------------------------------------------

/** Changes part of the state; push adds a history entry (else it replaces). */
function setState(patch, push = true) {
  const next = { ...state, ...patch };
  const url = formatState(next) || location.pathname;
  if (url === (location.search || location.pathname) && formatState(next) === formatState(state)) return;
  state = next;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  render();
}

window.addEventListener('popstate', () => {
  state = parseState(location.search);
  render();
});

async function render() {
  hideTooltip();
  if (!state.profile) {
    if (!wantsStartPage(profiles.length, uploads)) {
      state = { ...state, profile: profiles[0].id };
      history.replaceState(null, '', formatState(state));
    } else {
      showStartPage();
      return;
    }
  }
  document.body.dataset.page = 'profile';
  $('start-page').hidden = true;
  $('profile-view').hidden = false;
  for (const b of document.querySelectorAll('.segmented [data-view]')) {
    b.setAttribute('aria-pressed', String(b.dataset.view === state.view));
  }
  if ($('search').value !== state.q) $('search').value = state.q;
  $('depth').value = String(state.depth);
  selectCutoff(state.cutoff);
  showProfileHeader();
  if (table.profile !== state.profile) table.setProfile(state.profile);
  table.setQuery(state.q);
  if (state.fn !== null) {
    if (details.fid !== state.fn || details.profile !== state.profile) details.show(state.profile, state.fn);
    table.select(state.fn);
  } else {
    details.hide();
    table.select(null);
  }
  graph.setQuery(state.q);
  await loadTree();
}

function selectCutoff(c) {
  const sel = $('cutoff');
  if (![...sel.options].some((o) => Number(o.value) === c)) {
    sel.append(new Option(formatPercent(c), String(c)));
  }
  sel.value = [...sel.options].find((o) => Number(o.value) === c).value;
}

// ---- profiles ------------------------------------------------------------

function showStartPage() {
  document.body.dataset.page = 'start';
  details.hide();
  $('profile-view').hidden = true;
  $('start-page').hidden = false;
  $('profile-picker').hidden = true;
  $('profile-name').textContent = '';
  document.title = 'profviz';
  renderProfileList();
  performance.mark('profviz:drawn');
  // the folder may have changed since the list was loaded
  if (Date.now() - listedAt > 2000) refreshProfiles();
}

/** The start page's table of profiles, newest first. */
function renderProfileList() {
  $('profile-meta').textContent = listError ? '' : profiles.length === 1 ? '1 profile' : `${formatCount(profiles.length)} profiles`;
  $('start-sub').textContent = uploads
    ? 'Open a profile, or upload new ones: they are kept on this server for everyone who has the link.'
    : 'Choose a profile to open.';
  $('upload-help').hidden = !uploads;
  $('curl-example').textContent = `curl --data-binary @out.prof '${location.origin}/api/profiles?name=out.prof'`;
  const body = $('profile-list').tBodies[0];
  clear(body);
  const now = Date.now();
  for (const p of profiles) {
    const tr = el('tr');
    tr.dataset.id = p.id;
    if (freshIds.has(p.id)) tr.classList.add('fresh');
    const a = el('a', null, p.name);
    a.href = formatState({ profile: p.id, path: [], view: 'icicle' });
    a.title = `Open ${p.name}`;
    const name = el('td', 'name');
    name.append(a);
    const when = el('td', 'when');
    const t = parseTimestamp(p.modified);
    if (Number.isFinite(t)) {
      const time = el('time', 'date', formatDateTime(t));
      time.dateTime = p.modified;
      time.title = new Date(t).toString();
      when.append(time, el('span', 'rel muted', formatRelative(t, now)));
      when.dataset.t = String(t);
    } else {
      when.append(el('span', 'muted', '–'));
    }
    tr.append(
      name,
      el('td', 'num', Number.isFinite(p.size) ? formatBytes(p.size) : '–'),
      when,
      el('td', 'num', formatCount(p.functions)),
      el('td', 'num', formatCount(p.total_calls)),
      el('td', 'num', formatTime(p.total_time)),
    );
    body.append(tr);
  }
  $('profile-list').hidden = profiles.length === 0;
  $('start-empty').hidden = profiles.length !== 0;
  if (listError) {
    $('start-empty').querySelector('.start-empty-title').textContent = 'Could not load the profiles';
    $('start-empty-text').textContent = listError.message;
  } else {
    $('start-empty').querySelector('.start-empty-title').textContent = 'No profiles yet';
    $('start-empty-text').textContent = uploads
      ? 'Upload a profile, or drop .prof files anywhere on this page.'
      : 'The server holds no profiles.';
  }
}

/** Opens a profile from the start page (a click anywhere on its row). */
function openProfile(id) {
  setState({ profile: id, path: [], fn: null, q: '', view: 'icicle' });
}

$('profile-list').tBodies[0].addEventListener('click', (e) => {
  const tr = e.target.closest('tr');
  if (!tr || !tr.dataset.id) return;
  // let the browser open a new tab or window for modified clicks on the link
  if (e.target.closest('a') && (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0)) return;
  e.preventDefault();
  openProfile(tr.dataset.id);
});

/** Loads the list of profiles again; re-renders what depends on it. */
async function refreshProfiles() {
  listedAt = Date.now();
  let next;
  try {
    next = newestFirst(await api.listProfiles());
    listError = null;
  } catch (e) {
    listError = e;
    if (!$('start-page').hidden) {
      showError(e, 'list');
      renderProfileList();
    }
    return;
  }
  if (errorSource === 'list') $('error').hidden = true;
  const changed = !sameIds(next, profiles) || JSON.stringify(next) !== JSON.stringify(profiles);
  profiles = next;
  if (!$('start-page').hidden && changed) renderProfileList();
}

// Relative times ("3 minutes ago") age; the folder may change under the server.
setInterval(() => {
  if ($('start-page').hidden || document.hidden) return;
  const now = Date.now();
  for (const td of document.querySelectorAll('#profile-list td.when[data-t]')) {
    td.querySelector('.rel').textContent = formatRelative(Number(td.dataset.t), now);
  }
  if (uploads) refreshProfiles();
}, 30000);

/** Back to the start page, with a clean URL. */
function goStart() {
  setState({ profile: null, path: [], fn: null, q: '', view: 'icicle', depth: DEFAULT_DEPTH, cutoff: DEFAULT_CUTOFF });
}

$('brand').addEventListener('click', (e) => {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  goStart();
});

function showProfileHeader() {
  const p = profiles.find((x) => x.id === state.profile);
  const picker = $('profile-picker');
  if (profiles.length > 1) {
    if ([...picker.options].map((o) => o.value).join() !== profiles.map((x) => x.id).join()) {
      clear(picker);
      for (const x of profiles) picker.append(new Option(x.name, x.id));
    }
    picker.value = state.profile;
    picker.hidden = false;
    $('profile-name').textContent = '';
  } else {
    picker.hidden = true;
    $('profile-name').textContent = p ? p.name : '';
  }
  $('profile-meta').textContent = p
    ? `${formatCount(p.functions)} functions · ${formatCount(p.total_calls)} calls · ${formatTime(p.total_time)}`
    : '';
  document.title = p ? `${p.name} · profviz` : 'profviz';
  $('profile-meta').title = $('profile-meta').textContent;
}

/** The top of the tree (id, name, time) of a profile, fetched once. */
async function topOf(profile) {
  let i = info.get(profile);
  if (!i) {
    i = { top: api.getTree(profile, { path: [], depth: 1, cutoff: 0 }) };
    info.set(profile, i);
    i.top.catch(() => info.delete(profile));
  }
  const t = await i.top;
  return t;
}

// ---- the tree ------------------------------------------------------------

function treeKey(s) {
  return `${s.profile}|${s.path.join(',')}|${s.depth}|${s.cutoff}`;
}

async function loadTree() {
  const s = state;
  const key = treeKey(s);
  if (key === shownTreeKey) {
    if (graph.view !== s.view) graph.setView(s.view);
    updateMatchCount();
    return;
  }
  const token = ++treeToken;
  if (treeAbort) treeAbort.abort();
  const abort = (treeAbort = new AbortController());
  const done = delayedShow($('graph-loading'));
  try {
    const [tree, top] = await Promise.all([
      api.getTree(s.profile, { path: s.path, depth: s.depth, cutoff: s.cutoff }, abort.signal),
      topOf(s.profile),
    ]);
    if (token !== treeToken) return;
    rootPath = Array.isArray(tree.path) ? tree.path : s.path;
    remember(s.profile, tree.root);
    remember(s.profile, top.root);
    items = flatten(tree.root, rootPath, s.depth);
    shownTreeKey = key;
    if (errorSource === 'tree') $('error').hidden = true;
    graph.setItems(items, s.view);
    await renderCrumbs(s.profile, top.root);
    updateMatchCount();
    showFocus();
  } catch (e) {
    if (e.name === 'AbortError' || token !== treeToken) return;
    showError(e, 'tree');
    // a stale link (path no longer in the tree): leave a way back to the top
    if (s.path.length) $('top').disabled = false;
  } finally {
    if (token === treeToken) done();
  }
}

function remember(profile, node) {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop();
    if (n.id !== -1) names.set(`${profile}:${n.id}`, n.name);
    if (n.children) for (const c of n.children) stack.push(c);
  }
}

function fnInfo(profile, fid) {
  const k = `${profile}:${fid}`;
  let p = fnCache.get(k);
  if (!p) {
    p = api.getFunction(profile, fid);
    fnCache.set(k, p);
    p.catch(() => fnCache.delete(k));
  }
  return p;
}

async function nameOf(profile, fid) {
  const k = `${profile}:${fid}`;
  if (names.has(k)) return names.get(k);
  try {
    const f = await fnInfo(profile, fid);
    names.set(k, f.function.name);
    return f.function.name;
  } catch {
    return `#${fid}`;
  }
}

/** Crumbs: the tree root, then each function on the view root's path. */
async function renderCrumbs(profile, top) {
  const crumbs = [{ label: top.name, path: [] }];
  const start = top.id !== -1 && rootPath[0] === top.id ? 1 : 0;
  const labels = await Promise.all(rootPath.slice(start).map((fid) => nameOf(profile, fid)));
  labels.forEach((label, k) => crumbs.push({ label, path: rootPath.slice(0, start + k + 1) }));
  const ol = $('breadcrumbs');
  clear(ol);
  crumbs.forEach((c, k) => {
    const li = el('li');
    const a = el('a', null, c.label);
    a.href = formatState({ ...state, path: c.path });
    a.title = c.label;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      setState({ path: c.path });
    });
    if (k === crumbs.length - 1) li.setAttribute('aria-current', 'location');
    li.append(a);
    ol.append(li);
  });
  ol.scrollLeft = ol.scrollWidth;
  const atTop = crumbs.length === 1;
  $('up').disabled = atTop;
  $('top').disabled = atTop;
}

function atTop() {
  return $('up').disabled;
}

function goUp() {
  if ($('profile-view').hidden || atTop()) return;
  const crumbs = $('breadcrumbs').querySelectorAll('a');
  crumbs[crumbs.length - 2].click();
}

function drill(i) {
  const it = items[i];
  if (!it) return;
  hideTooltip();
  if (i === 0) goUp();
  else setState({ path: it.path });
}

function updateMatchCount() {
  $('match-count').textContent = state.q ? `${graph.matchCount} matching ${graph.matchCount === 1 ? 'box' : 'boxes'}` : '';
}

// ---- tooltip and keyboard focus -----------------------------------------

let tipToken = 0;
function showTooltip(i, x, y) {
  const it = items[i];
  if (!it) return hideTooltip();
  const n = it.node;
  const tip = $('tooltip');
  const token = ++tipToken;
  clear(tip);
  tip.append(el('div', 'tt-name', n.name), el('div', 'tt-loc', formatFileLine(n.file, n.line)));
  const t = el('table');
  const row = (k, v, tag) => {
    const tr = el('tr');
    const td = el('td', null, v);
    if (tag) td.append(el('span', `tag ${tag}`, tag));
    tr.append(el('td', null, k), td);
    t.append(tr);
    return td;
  };
  row('in this branch', formatTime(n.time), n.exact ? 'exact' : 'estimated');
  const cum = row('function total', n.id === -1 ? formatTime(n.time) : '…');
  const viewTime = items[0].node.time || 1;
  row('of view root', formatPercent(n.time / viewTime));
  const top = info.get(state.profile);
  const whole = row('of profile', '…');
  if (top) top.top.then((tr) => token === tipToken && (whole.textContent = formatPercent(n.time / (tr.root.time || 1))));
  row('calls', n.id === -1 ? '–' : formatCount(n.calls));
  tip.append(t);
  if (i !== 0 || state.path.length) tip.append(el('div', 'tt-hint muted', i === 0 ? 'click to go up' : 'click to zoom in'));
  tip.hidden = false;
  placeTooltip(x, y);
  if (n.id !== -1) {
    fnInfo(state.profile, n.id)
      .then((f) => token === tipToken && (cum.textContent = `${formatTime(f.function.cumtime)} (cumtime)`))
      .catch(() => token === tipToken && (cum.textContent = 'unavailable'));
  }
}

function placeTooltip(x, y) {
  const tip = $('tooltip');
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  let left = x + 14;
  let top = y + 16;
  if (left + w > innerWidth - 8) left = Math.max(8, x - w - 14);
  if (top + h > innerHeight - 8) top = Math.max(8, y - h - 12);
  tip.style.left = left + 'px';
  tip.style.top = top + 'px';
}

function hideTooltip() {
  tipToken++;
  $('tooltip').hidden = true;
}

function showFocus() {
  const it = items[graph.focus];
  const bar = $('focus-info');
  if (!it) {
    bar.textContent = '';
    return;
  }
  const n = it.node;
  const pct = formatPercent(n.time / (items[0].node.time || 1));
  bar.textContent = `${n.name} — ${formatTime(n.time)} (${pct} of view, ${n.exact ? 'exact' : 'estimated'}) · ${formatFileLine(n.file, n.line)} · ↑↓←→ move, Enter zoom, Esc up, / search`;
}

function moveFocus(key) {
  const next = neighbour(items, graph.focus, key, (k) => !!graph.geom[k]);
  graph.setFocus(next);
  showFocus();
  const r = graph.clientRect(next);
  if (r) {
    const sc = $('graph-scroll');
    const b = sc.getBoundingClientRect();
    if (r.y < b.top) sc.scrollTop -= b.top - r.y;
    else if (r.y + r.h > b.bottom) sc.scrollTop += r.y + r.h - b.bottom;
    const r2 = graph.clientRect(next);
    showTooltip(next, r2.x + Math.min(r2.w / 2, 40), r2.y + r2.h);
  }
}

document.addEventListener('keydown', (e) => {
  const target = e.target;
  const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
  if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    $('search').focus();
    $('search').select();
    return;
  }
  if (e.key === 'Escape') {
    if (target === $('search')) {
      $('search').blur();
      $('graph').focus();
      return;
    }
    if (!$('tooltip').hidden) hideTooltip();
    if (!typing) goUp();
    return;
  }
  if ($('profile-view').hidden) return;
  const onGraph = target === $('graph') || target === document.body;
  if (!onGraph || e.ctrlKey || e.metaKey || e.altKey) return;
  const dirs = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };
  if (dirs[e.key]) {
    e.preventDefault();
    if (document.activeElement !== $('graph')) $('graph').focus();
    moveFocus(dirs[e.key]);
  } else if (e.key === 'Enter' && graph.focus >= 0) {
    e.preventDefault();
    if (graph.focus > 0) drill(graph.focus);
  }
});

$('graph-scroll').addEventListener('scroll', () => {
  hideTooltip();
  graph.setHover(-1);
});
$('graph').addEventListener('focus', () => graph.requestDraw());
$('graph').addEventListener('blur', () => graph.requestDraw());

// ---- functions: details and "show in graph" ------------------------------

function openFunction(fid) {
  setState({ fn: fid }, false);
}

async function makeRoot(fid) {
  const done = delayedShow($('graph-loading'), 0);
  try {
    const path = await findTreePath(state.profile, fid, {
      top: (await topOf(state.profile)).root,
      callers: async (id) => (await fnInfo(state.profile, id)).callers,
      check: (p) => api.getTree(state.profile, { path: p, depth: 0, cutoff: 0 }),
    });
    if (!path) {
      const n = await nameOf(state.profile, fid);
      throw new Error(`Could not place ${n} in the call tree: no call path to it from the tree's root was found`);
    }
    done();
    setState({ path });
  } catch (e) {
    done();
    showError(e);
  }
}

// ---- controls ------------------------------------------------------------

for (const b of document.querySelectorAll('.segmented [data-view]')) {
  b.addEventListener('click', () => setState({ view: b.dataset.view }));
}
$('up').addEventListener('click', goUp);
$('top').addEventListener('click', () => setState({ path: [] }));
$('profile-picker').addEventListener('change', (e) => setState({ profile: e.target.value, path: [], fn: null }));
$('depth').addEventListener('change', (e) => {
  const d = Math.round(Number(e.target.value));
  if (Number.isFinite(d) && d >= 1 && d <= 60) setState({ depth: d });
  else e.target.value = String(state.depth);
});
$('cutoff').addEventListener('change', (e) => setState({ cutoff: Number(e.target.value) }));
let searchTimer = 0;
$('search').addEventListener('input', (e) => {
  clearTimeout(searchTimer);
  const q = e.target.value.trim();
  graph.setQuery(q);
  state = { ...state, q };
  updateMatchCount();
  searchTimer = setTimeout(() => {
    history.replaceState(null, '', formatState(state) || location.pathname);
    table.setQuery(q);
  }, 180);
});
$('copy-link').addEventListener('click', async () => {
  const url = shareableUrl(location.href);
  try {
    await navigator.clipboard.writeText(url);
    toast('Link copied');
  } catch {
    window.prompt('Copy this link:', url);
  }
});
$('error-close').addEventListener('click', () => ($('error').hidden = true));

// Drag the splitter to share the height between graph and table.
$('splitter').addEventListener('pointerdown', (e) => {
  const pane = $('graph-pane');
  const startY = e.clientY;
  const startH = pane.offsetHeight;
  const move = (ev) => (pane.style.height = `${Math.max(120, Math.min(innerHeight - 200, startH + ev.clientY - startY))}px`);
  const up = () => {
    removeEventListener('pointermove', move);
    removeEventListener('pointerup', up);
  };
  addEventListener('pointermove', move);
  addEventListener('pointerup', up);
});

let errorSource = '';
/** Shows what failed in the banner; source names the kind of request, so a later success can clear it. */
function showError(e, source = '') {
  errorSource = source;
  $('error-text').textContent = e && e.message ? e.message : String(e);
  $('error').hidden = false;
}

let toastTimer = 0;
function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 1600);
}

// ---- hooks for tests and tools --------------------------------------------

window.profviz = {
  state: () => ({ profile: state.profile, path: state.path.slice(), view: state.view }),
  // True once the graph shows the current state and the table has loaded.
  ready: () =>
    !!state.profile && shownTreeKey === treeKey(state) && graph.view === state.view && !table.abort && $('graph-loading').hidden,
  boxes: () =>
    graph.pageBoxes().map((b) => ({
      path: items[b.index].path.slice(),
      name: items[b.index].node.name,
      x: b.x,
      y: b.y,
      width: b.width,
      height: b.height,
    })),
};

// ---- start -----------------------------------------------------------------

// ---- uploads ---------------------------------------------------------------

const uploader = new Uploader({ done: uploaded });

/** After a batch of uploads: one file opens its profile, several show the list. */
async function uploaded(items) {
  const ok = items.filter((x) => x.profile);
  freshIds = new Set(ok.map((x) => x.profile.id));
  await refreshProfiles();
  for (const x of ok) {
    if (!profiles.some((p) => p.id === x.profile.id)) profiles = newestFirst([...profiles, x.profile]);
  }
  if (items.length === 1 && ok.length === 1) {
    const p = ok[0].profile;
    uploader.dismiss();
    toast(ok[0].status === 'exists' ? `${p.name} was already on the server: opening it` : `Uploaded ${p.name}`);
    setState({ profile: p.id, path: [], fn: null, q: '', view: 'icicle' });
    return;
  }
  if (ok.length === items.length) uploader.dismissLater(8000);
  if (state.profile) goStart();
  else render();
}

// ---- start -----------------------------------------------------------------

async function start() {
  const done = delayedShow($('page-loading'), 150);
  // health answers even without a token; an older server may lack "uploads"
  const [health, list] = await Promise.allSettled([api.health(), api.listProfiles()]);
  done();
  uploads = health.status === 'fulfilled' && !!health.value && health.value.uploads === true;
  uploader.setEnabled(uploads);
  listedAt = Date.now();
  if (list.status === 'rejected') {
    listError = list.reason;
    showError(list.reason, 'list');
    if (uploads || list.reason.status === 401) {
      state = { ...state, profile: null };
      showStartPage();
    }
    return;
  }
  profiles = newestFirst(list.value);
  if (!profiles.length) {
    showStartPage();
    return;
  }
  if (state.profile && !profiles.some((p) => p.id === state.profile)) {
    showError(new Error(`Opening the profile failed: the server has no profile with id “${state.profile}”`));
    const only = !wantsStartPage(profiles.length, uploads);
    state = { ...state, profile: only ? profiles[0].id : null, path: [], fn: null };
    history.replaceState(null, '', formatState(state) || location.pathname);
  }
  render();
}

start();
