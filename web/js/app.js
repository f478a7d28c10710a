// app.js: wires the page together. The store (store.js) holds the state,
// mirrored in the URL, and cached fetches; components (components/*.js) are
// handed their root elements and redraw from the state; the chart shows the
// view named in the state (views/*.js). User actions call store.set(). Data
// come only from the REST API (api.js); every profile string reaches the page
// via textContent or canvas fillText.
//
// For a fast first picture the data requests start in boot.js (imported
// first), from the start data the server put into the page: the tree and
// the function table at once, with no health or list round trip before.

// boot.js first: it starts the data requests (the page loads the modules
// joined into one script, in import order: server/bundle.h)
import { boot } from './boot.js';
import * as api from './api.js';
import { $, delayedShow } from './dom.js';
import { Store } from './store.js';
import { flatten, itemName } from './layout.js';
import { VIEWS, VIEW_NAMES, viewByName } from './views/index.js';
import { Chart } from './components/chart.js';
import { Tooltip, nodeTip } from './components/tooltip.js';
import { Crumbs } from './components/crumbs.js';
import { Legend } from './components/legend.js';
import { FunctionTable } from './components/table.js';
import { FunctionView } from './components/functionview.js';
import { SearchNav } from './components/searchnav.js';
import { StartPage } from './components/startpage.js';
import { CompareTable } from './components/comparetable.js';
import { CompareFunction } from './components/comparefunction.js';
import { compareTip } from './views/compare.js';
import { Uploader } from './components/uploads.js';
import { formatState, shareableUrl, MAX_DEPTH } from './urlstate.js';
import { Controls } from './components/controls.js';
import { Splitter } from './components/splitter.js';
import { installKeys } from './keys.js';
import { formatTime, formatPercent, formatFileLine } from './format.js';
import { chartHeight, viewportSize } from './plan.js';
import { newestFirst, sameIds, wantsStartPage } from './listing.js';

const store = new Store(
  api,
  {
    search: () => location.search,
    push: (url) => history.pushState(null, '', url),
    replace: (url) => history.replaceState(null, '', url),
  },
  VIEW_NAMES,
);

// ---- first requests: before anything else, in parallel --------------------

// boot.js has started the tree and table of the profile; the server put the
// list of profiles and its health into the page (a page without them asks)
const data = boot.data;
const listed = data && Array.isArray(data.profiles) ? Promise.resolve(data.profiles) : api.listProfiles();
const healthy = (data ? Promise.resolve(data.health) : api.health()).catch(() => null);
listed.catch(() => {});
if (boot.tree) {
  // the tree from the page is drawn in this very task, before the first frame
  const tree = boot.tree.json ? Promise.resolve(boot.tree.json) : api.treeOf(boot.tree.response);
  store.seedTree(boot.tree.profile, boot.tree.opts, tree);
}
if (boot.page) store.seedFunctions(boot.page.profile, boot.page.opts, api.jsonOf(boot.page.response, api.TABLE_WHAT));

// ---- components ------------------------------------------------------------

const pane = $('graph-pane');
const splitter = new Splitter(pane, $('splitter'), {
  changed: () => {
    const s = store.state;
    if (s.depth === null && s.profile && shownTreeKey && shownTreeKey !== treeKey(s)) loadTree(s);
  },
});

const chart = new Chart(pane, {
  click: (i) => drill(i),
  hover: (i, x, y) => showTip(i, x, y),
  leave: () => tooltip.hide(),
  zoom: () => showFocus(),
  drawn: () => {
    // the legend changes with the tree, the view and the colour mode, not with hover
    const lk = [chart.model, chart.viewName, chart.colourMode, chart.dark.matches].join('|');
    if (chart.drawn && (chart.model !== legendFor.model || lk !== legendFor.key)) {
      legendFor = { model: chart.model, key: lk };
      if (picturedYet) legend.set(chart.legend());
      else afterFrame(() => legend.set(chart.legend()));
    }
    if (chart.drawn) pictured();
  },
});
chart.setView(viewByName(store.state.view));
const tooltip = new Tooltip($('tooltip'));
const crumbs = new Crumbs($('breadcrumbs'), { go: (path) => store.set({ path }) });
const legend = new Legend($('legend'));
const table = new FunctionTable($('table-pane'), store, { open: (fid) => openFunction(fid), error: showError });
const searchNav = new SearchNav($('search-nav'), store, { go: (path) => store.set({ path }), error: showError });
const fnView = new FunctionView($('function-view'), store, {
  open: (fid) => openFunction(fid),
  go: (path) => store.set({ path }),
  close: () => store.set({ fn: null }, { push: false }),
  error: showError,
});
const startPage = new StartPage($('start-page'), { open: (id) => openProfile(id), compare: (b, n) => openComparison(b, n) });
const compareTable = new CompareTable($('compare-pane'), store, { open: (fid) => openFunction(fid), error: showError });
const compareFn = new CompareFunction($('function-view'), store, { open: (fid) => openFunction(fid), error: showError });
const uploader = new Uploader(
  { panel: $('uploads'), input: $('upload-input'), buttons: [$('upload-top'), $('upload-start')], overlay: $('drop-overlay') },
  { done: uploaded, open: (p) => openProfile(p.id) },
);

const controls = new Controls(store, VIEWS, {
  otherPath: () => (extraShown && Array.isArray(extraShown.otherPath) ? extraShown.otherPath : null),
});
// The page's HTML keeps the header hidden: shown in this task, it is laid out
// with the first picture, not once before the script has run as well (a frame
// of the header alone cost 20-50 ms of style, layout and paint at start).
$('topbar').hidden = false;

let legendFor = { model: null, key: '' };

// The first picture comes first: the table's first rows and the legend are
// built after the frame that shows the chart (a task queued at once would
// run before that frame and hold it back). Where no frame comes (a hidden
// tab, an IFrame out of sight) it runs after 100 ms all the same.
function afterFrame(fn) {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 100);
}
let picturedYet = false;
const waiting = new Map(); // what waits for the first picture, by what it is for
let framed = null;
// resolved after the frame that shows the first picture (or after the first tree failed)
const firstFrame = new Promise((resolve) => (framed = resolve));
/** Runs fn now once the first picture is up, else after its frame (a later fn for the same what replaces an earlier one). */
function afterPicture(what, fn) {
  if (picturedYet) fn();
  else waiting.set(what, fn);
}
function pictured() {
  if (picturedYet) return;
  picturedYet = true;
  // the bottom panes (index.html's .bottom.pending) were left out of the first layout
  afterFrame(() => {
    for (const e of document.querySelectorAll('.bottom.pending')) e.classList.remove('pending');
  });
  const fns = [...waiting.values()];
  waiting.clear();
  afterFrame(() => fns.forEach((fn) => fn()));
  afterFrame(framed);
}

let items = [];
let extraShown = null; // the view's extra data for the tree shown (a comparison's times)
let shownTreeKey = '';
let treeToken = 0;
let loadingKey = ''; // the tree being fetched
let spinner = null; // hides the chart's loading spinner
let listError = null;
let listedAt = 0;
let freshIds = new Set();
let loaded = false; // the list of profiles has arrived (or failed)

// ---- rendering from the state ---------------------------------------------

store.subscribe((s, prev) => render(s, prev));
window.addEventListener('popstate', () => store.fromUrl());

function render(s) {
  tooltip.hide();
  if (!s.profile) {
    if (!loaded) return; // the list decides between the start page and the only profile
    if (!wantsStartPage(store.profiles.length, store.uploads)) {
      store.state = { ...s, profile: store.profiles[0].id };
      // the URL names it after the first picture: replaceState costs the page 5-15 ms
      afterPicture('url', () => store.syncUrl());
      return render(store.state);
    }
    showStartPage();
    return;
  }
  document.body.dataset.page = 'profile';
  $('start-page').hidden = true;
  $('profile-view').hidden = false;
  controls.update(s);
  if ($('search').value.trim() !== s.q) $('search').value = s.q;
  $('table-pane').hidden = !!s.base;
  $('compare-pane').hidden = !s.base;
  if (loaded) afterPicture('table', () => (store.state.base ? compareTable : table).update(store.state));
  fnView.update(s);
  compareFn.update(s);
  chart.setView(viewByName(s.view));
  chart.setColourMode(s.colour);
  chart.setQuery(s.q);
  loadTree(s);
}

/** The depth asked of the server and the levels shown, for a state. */
function depths(s) {
  // from the planned pane height (plan.js), as boot.js computed it, never from a layout read
  const fit = chart.view ? chart.view.fitDepth(chartHeight(splitter.planned), viewportSize().width) : 12;
  const shown = s.depth === null ? Math.min(MAX_DEPTH, fit) : s.depth;
  // folded chains take one level for many: ask for more so the pane still fills
  const asked = s.fold ? Math.min(MAX_DEPTH, shown * 2 + 8) : shown;
  return { shown, asked };
}

function treeKey(s) {
  const d = depths(s);
  // a view with data of its own (views/index.js) is part of what is loaded
  const own = viewByName(s.view).data ? `${s.view}|${s.base}|${s.side}|${s.threshold}` : '';
  return `${s.profile}|${s.path.join(',')}|${d.asked}|${d.shown}|${s.cutoff}|${s.fold}|${own}`;
}

async function loadTree(s) {
  const key = treeKey(s);
  if (key === shownTreeKey || key === loadingKey) {
    updateMatchCount();
    return;
  }
  const token = ++treeToken;
  loadingKey = key;
  if (spinner) spinner();
  const done = (spinner = delayedShow($('graph-loading')));
  const { shown, asked } = depths(s);
  try {
    const treeP = store.tree(s.profile, { path: s.path, depth: asked, cutoff: s.cutoff });
    // the top of the tree names the first crumb; at the top it is this tree itself
    const topP = s.path.length ? store.top(s.profile) : treeP.then((t) => ({ root: t.root, path: t.path }));
    const desc = viewByName(s.view);
    const extraP = desc.data ? desc.data(store, s, { path: s.path, depth: asked, cutoff: s.cutoff }) : Promise.resolve(null);
    const [tree, extra] = await Promise.all([treeP, extraP]);
    if (token !== treeToken) return;
    const rootPath = Array.isArray(tree.path) ? tree.path : s.path;
    items = flatten(tree.root, rootPath, shown, { fold: s.fold });
    extraShown = extra;
    shownTreeKey = key;
    if (errorSource === 'tree') $('error').hidden = true;
    chart.setModel({ items, extra, root: tree.root });
    pictured(); // drawn, or nothing to draw: what waits for the first picture goes on
    updateMatchCount();
    showFocus();
    const top = await topP;
    if (token !== treeToken) return;
    await renderCrumbs(s, rootPath, top.root);
  } catch (e) {
    if (token !== treeToken) return;
    showError(e, 'tree');
    pictured();
    // a stale link (path no longer in the tree): leave a way back to the top
    if (s.path.length) $('top').disabled = false;
  } finally {
    if (token === treeToken) {
      done();
      loadingKey = '';
    }
  }
}

/** Crumbs: the tree root, then each function on the view root's path. */
async function renderCrumbs(s, rootPath, top) {
  const start = top.id !== -1 && rootPath[0] === top.id ? 1 : 0;
  const list = [{ label: top.name, path: [] }];
  const labels = await Promise.all(rootPath.slice(start).map((fid) => store.nameOf(s.profile, fid)));
  labels.forEach((label, k) => list.push({ label, path: rootPath.slice(0, start + k + 1) }));
  for (const c of list) c.href = formatState({ ...store.state, path: c.path }) || '?';
  crumbs.set(list);
  const atTop = list.length === 1;
  $('up').disabled = atTop;
  $('top').disabled = atTop;
}

function goUp() {
  const list = crumbs.crumbs;
  if ($('profile-view').hidden || list.length < 2) return;
  store.set({ path: list[list.length - 2].path });
}

function drill(i) {
  const it = items[i];
  if (!it) return;
  tooltip.hide();
  if (i === 0) goUp();
  else if (it.kind === 'hidden') store.set({ path: items[it.parent].path });
  else store.set({ path: it.path });
}

function updateMatchCount() {
  const s = store.state;
  searchNav.update(s, chart.matchCount);
}

// ---- tooltip and keyboard focus -----------------------------------------

function showTip(i, x, y) {
  const it = items[i];
  if (!it) return tooltip.hide();
  const s = store.state;
  const hint = i === 0 ? (s.path.length ? 'click to go up' : '') : it.kind === 'hidden' ? '' : 'click to zoom in · wheel zooms, drag pans';
  const tip = nodeTip(it, items, {
    viewTime: items[0].node.time,
    profileTime: async () => (await store.top(s.profile)).root.time,
    fn: (id) => store.fn(s.profile, id),
    hint,
  });
  if (s.base && extraShown && extraShown.map && i >= 0) tip.content.push(compareTip(extraShown.map.get(it.path.join(',')), s.side));
  const token = tooltip.show(tip.content, x, y);
  for (const f of tip.later) {
    f(() => tooltip.current(token)).then(() => tooltip.current(token) && tooltip.place());
  }
}

function showFocus() {
  const it = items[chart.focus];
  const bar = $('focus-info');
  if (!it) {
    bar.textContent = '';
    return;
  }
  const n = it.node;
  const pct = formatPercent(n.time / (items[0].node.time || 1));
  const zoomed = !!(chart.view && chart.view.zoomed && chart.view.zoomed());
  $('zoom-reset').hidden = !zoomed;
  const zoom = zoomed ? ' · zoomed (Esc resets)' : '';
  bar.textContent = `${itemName(it)} — ${formatTime(n.time)} (${pct} of view, ${n.exact ? 'exact' : 'estimated'}) · ${formatFileLine(n.file, n.line)}${zoom} · ↑↓←→ move, Enter zoom, Esc up, / search`;
  bar.title = bar.textContent;
}

installKeys({
  chart,
  tooltip,
  items: () => items,
  showFocus,
  showTip,
  goUp,
  drill,
  openFunction,
  boxFunction,
});

$('graph-scroll').addEventListener('scroll', () => {
  tooltip.hide();
  chart.setHover(-1);
});
$('graph').addEventListener('focus', () => chart.requestDraw());
$('graph').addEventListener('blur', () => chart.requestDraw());

// ---- functions: the function view ------------------------------------------

function openFunction(fid) {
  fnView.prefetch(store.state.profile, fid);
  store.set({ fn: fid }, { push: false });
}

// a box's context action (right click, or F on the focused box) opens its function
function boxFunction(i) {
  const it = items[i];
  if (!it || it.kind !== 'node') return null;
  const n = it.chain[it.chain.length - 1];
  return n.id === -1 ? null : n.id;
}
$('graph').addEventListener('contextmenu', (e) => {
  const fid = boxFunction(chart.hitAt(e.clientX, e.clientY));
  if (fid === null) return;
  e.preventDefault();
  tooltip.hide();
  openFunction(fid);
});


// ---- profiles and the start page ---------------------------------------

function showStartPage() {
  document.body.dataset.page = 'start';
  fnView.hide();
  $('profile-view').hidden = true;
  $('start-page').hidden = false;
  controls.startPage(store.profiles.length, !!listError);
  startPage.render({ profiles: store.profiles, uploads: store.uploads, listError, fresh: freshIds });
  performance.mark('profviz:start');
  // the folder may have changed since the list was loaded
  if (Date.now() - listedAt > 2000) refreshProfiles();
}

function openProfile(id) {
  store.set({ profile: id, path: [], fn: null, q: '', view: 'icicle', offset: 0, base: null, side: 'new' });
}

/** A comparison: NEW's tree coloured by the change from BASE, and the comparison table. */
function openComparison(base, next) {
  store.set({ profile: next, base, side: 'new', path: [], fn: null, q: '', view: 'compare', offset: 0, coffset: 0 });
}

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
      showStartPage();
    }
    return;
  }
  if (errorSource === 'list') $('error').hidden = true;
  const changed = !sameIds(next, store.profiles) || JSON.stringify(next) !== JSON.stringify(store.profiles);
  store.profiles = next;
  if (!$('start-page').hidden && changed) startPage.render({ profiles: next, uploads: store.uploads, listError, fresh: freshIds });
}

setInterval(() => {
  if (!$('start-page').hidden && !document.hidden && store.uploads) refreshProfiles();
}, 30000);

/** Back to the start page, with a clean URL. */
function goStart() {
  store.set({ profile: null, path: [], fn: null, q: '', view: 'icicle', depth: null, offset: 0, base: null, side: 'new' });
}

$('brand').addEventListener('click', (e) => {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  goStart();
});

// ---- controls ------------------------------------------------------------

$('up').addEventListener('click', goUp);
$('zoom-reset').addEventListener('click', () => chart.resetZoom());
$('top').addEventListener('click', () => store.set({ path: [] }));
let searchTimer = 0;
$('search').addEventListener('input', (e) => {
  clearTimeout(searchTimer);
  const q = e.target.value.trim();
  chart.setQuery(q);
  store.set({ q, offset: 0 }, { push: false, quiet: true });
  updateMatchCount();
  searchTimer = setTimeout(() => (store.state.base ? compareTable : table).update(store.state), 180);
});
// Enter and Shift+Enter in the search box jump to the next and previous match
$('search').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  searchNav.jump(e.shiftKey ? -1 : 1);
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

// ---- uploads ---------------------------------------------------------------

/** After a batch of uploads: one stored file opens its profile, several show the list; results stay listed. */
async function uploaded(batch) {
  const ok = batch.filter((x) => x.profile);
  freshIds = new Set(ok.map((x) => x.profile.id));
  await refreshProfiles();
  for (const x of ok) {
    if (!store.profiles.some((p) => p.id === x.profile.id)) store.profiles = newestFirst([...store.profiles, x.profile]);
  }
  if (batch.length === 1 && ok.length === 1) {
    openProfile(ok[0].profile.id);
    return;
  }
  // all failed: stay where you are, the panel says why; several stored: show the list
  if (!ok.length) return;
  if (store.state.profile) goStart();
  else render(store.state);
}

// ---- hooks for tests and tools --------------------------------------------

window.profviz = {
  state: () => ({ ...store.state, path: store.state.path.slice() }),
  // True once the chart shows the current state, its crumbs are made (the
  // tree's load is over: loadTree clears loadingKey after them) and the table has loaded.
  ready: () =>
    !!store.state.profile &&
    shownTreeKey === treeKey(store.state) &&
    !loadingKey &&
    chart.viewName === store.state.view &&
    loaded &&
    (store.state.base ? !compareTable.loading : table.isCurrent(store.state)) &&
    $('graph-loading').hidden,
  // all: also the boxes of a tall icicle scrolled out of sight
  boxes: (all = false) =>
    chart.pageBoxes(all).map((b) => {
      const it = items[b.index];
      const last = it.chain[it.chain.length - 1];
      return {
        path: it.path.slice(),
        name: it.kind === 'hidden' ? '…' : last.name,
        kind: it.kind,
        folded: it.chain.length > 1 ? it.chain.map((n) => n.name) : undefined,
        x: b.x,
        y: b.y,
        width: b.width,
        height: b.height,
      };
    }),
  labels: () => chart.pageLabels(),
  functionView: () => fnView.hook(),
  compareFunction: () => compareFn.hook(),
  // a comparison: the entry of the box at path ({time, other, change, uncertain, ...}) and the legend's text
  compareEntry: (path) => (extraShown && extraShown.map ? extraShown.map.get(path.join(',')) || null : null),
  legendText: () => $('legend').textContent,
  compareRows: () => [...$('comparison').tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)),
};

// ---- start -----------------------------------------------------------------

async function start() {
  // the profile named in the URL is drawn at once; the list only decides when there is none
  if (store.state.profile) render(store.state);
  const done = store.state.profile ? () => {} : delayedShow($('page-loading'), 150);
  const [health, list] = await Promise.allSettled([healthy, listed]);
  // the first picture first: what the list changes (the header, the table)
  // comes after the frame that shows it, or after a second at the latest
  if (store.state.profile) await Promise.race([firstFrame, new Promise((resolve) => setTimeout(resolve, 1000))]);
  done();
  store.uploads = health.status === 'fulfilled' && !!health.value && health.value.uploads === true;
  uploader.setEnabled(store.uploads);
  listedAt = Date.now();
  loaded = true;
  if (list.status === 'rejected') {
    listError = list.reason;
    showError(list.reason, 'list');
    if (store.uploads || list.reason.status === 401) {
      store.state = { ...store.state, profile: null };
      showStartPage();
    }
    return;
  }
  store.profiles = newestFirst(list.value);
  if (!store.profiles.length) {
    store.state = { ...store.state, profile: null };
    showStartPage();
    return;
  }
  const s = store.state;
  if (s.profile && !store.profile(s.profile)) {
    showError(new Error(`Opening the profile failed: the server has no profile with id “${s.profile}”`));
    const only = !wantsStartPage(store.profiles.length, store.uploads);
    store.state = { ...s, profile: only ? store.profiles[0].id : null, path: [], fn: null };
    store.syncUrl();
  }
  render(store.state);
}

start();
