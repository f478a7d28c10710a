// boot.js: the first requests, started while the rest of the UI loads. An
// async module with small imports, so it runs before app.js: it asks for
// the list of profiles and the server's health at once and, when the page
// will show a profile (named in the URL, or the only one of a server without
// uploads), for its tree and its first table page, with the depth that will
// fill the pane (plan.js). app.js finds the promises in window.profvizBoot
// and puts them in the store's caches; a request that does not match what
// app.js asks for is simply not used.

import { listProfiles, health, getTree, getFunctions } from './api.js';
import { parseState } from './urlstate.js';
import { paneHeight, chartHeight, icicleDepth, savedHeight } from './plan.js';

const PAGE_SIZE = 100; // as components/table.js

const boot = { list: listProfiles(), health: health(), trees: [], pages: [], onPrefetch: null };
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

if (plain && s.profile) prefetch(s.profile);
else if (plain && !params.has('profile')) {
  // the only profile of a server without uploads opens at once (listing.js wantsStartPage)
  Promise.all([boot.list, boot.health.catch(() => null)])
    .then(([list, h]) => {
      if (list.length === 1 && !(h && h.uploads === true)) prefetch(list[0].id);
    })
    .catch(() => {});
}

window.profvizBoot = boot;
