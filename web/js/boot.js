// boot.js: the first requests, started while the rest of the UI loads. An
// async module with three small imports (all preloaded by index.html), so it
// runs before app.js and its tree of modules.
//
// The server puts what /api/health and /api/profiles would say into the
// page's data block (#profviz-boot, server/page.h), so no round trip comes
// before the data: when the page will show a profile (named in the URL, or
// the only one of a server without uploads) this asks at once for its tree,
// with the depth that will fill the pane (plan.js), and its first table page.
// A page without the block (served from elsewhere, or a list too long to
// embed) asks the API for the list instead. app.js puts the promises of
// `boot` in the store's caches; a request that does
// not match what app.js asks for is simply not used.
//
// app.js imports `boot` from here, so this module has always run (and its
// requests have started) before app.js does, whichever script the browser
// ran first.

import { listProfiles, health, getTree, getFunctions } from './api.js';
import { parseState } from './urlstate.js';
import { paneHeight, chartHeight, icicleDepth, savedHeight } from './plan.js';

const PAGE_SIZE = 100; // as components/table.js

/** The page's start data, {health, profiles}, or null. */
function embedded(doc = document) {
  const block = doc.getElementById('profviz-boot');
  if (!block) return null;
  try {
    const data = JSON.parse(block.textContent);
    return data && typeof data === 'object' ? data : null;
  } catch {
    return null;
  }
}

const data = embedded();
const given = data && Array.isArray(data.profiles);
export const boot = {
  embedded: !!(data && data.health),
  list: given ? Promise.resolve(data.profiles) : listProfiles(),
  health: data && data.health ? Promise.resolve(data.health) : health(),
  trees: [],
  pages: [],
  onPrefetch: null,
};
boot.list.catch(() => {});
boot.health.catch(() => {});

const params = new URLSearchParams(location.search);
const s = parseState(location.search);
// only the plain icicle: other views and folded trees ask for other depths
const plain = (!params.has('view') || params.get('view') === 'icicle') && !s.fold && !params.has('base');

function prefetch(profile) {
  const depth = s.depth === null ? icicleDepth(chartHeight(paneHeight(innerHeight, savedHeight()))) : s.depth;
  const topts = { path: s.path, depth, cutoff: s.cutoff };
  const tree = { profile, opts: topts, promise: getTree(profile, topts) };
  const popts = { sort: s.sort, order: s.order, q: s.q, offset: s.offset, limit: PAGE_SIZE };
  const page = { profile, opts: popts, promise: getFunctions(profile, popts) };
  for (const x of [tree, page]) x.promise.catch(() => {});
  boot.trees.push(tree);
  boot.pages.push(page);
  if (boot.onPrefetch) {
    boot.onPrefetch('tree', tree);
    boot.onPrefetch('functions', page);
  }
}

/** The profile the page opens without one in the URL: the only one of a server without uploads (listing.js wantsStartPage). */
function onlyProfile(list, h) {
  return list.length === 1 && !(h && h.uploads === true) ? list[0].id : null;
}

if (plain && s.profile) prefetch(s.profile);
else if (plain && !params.has('profile')) {
  if (given && data.health) {
    const only = onlyProfile(data.profiles, data.health);
    if (only) prefetch(only);
  } else {
    Promise.all([boot.list, boot.health.catch(() => null)])
      .then(([list, h]) => {
        const only = onlyProfile(list, h);
        if (only) prefetch(only);
      })
      .catch(() => {});
  }
}

