// treeform.js: the call tree's compact form (GET .../tree?form=compact, and
// the page's start tree: server/api_tree.h, docs/api.md) read back into the
// nested form every other module uses: {path, root}, each node {id, name,
// file, line, time, calls, exact, reentry, why, cumtime, tottime, ncalls,
// pcalls, hidden?, children, more}, with the same numbers (the synthetic
// root has no cumtime, tottime, ncalls or pcalls; hidden is there only when
// children were left out). Nodes of one function share its name and file
// strings. Imports nothing: boot.js reads the page's tree with it.

export const COMPACT_STRIDE = 8; // numbers a node: f, time, calls, flags, why, hidden time, hidden count, children
const EXACT = 1;
const REENTRY = 2;
const MORE = 4;

/** The nested form of a tree body in either form; a body that is not compact is returned as it is. */
export function expandTree(body) {
  if (!body || body.form !== 'compact') return body;
  const { files, functions, whys, nodes: v } = body;
  const n = Math.floor(v.length / COMPACT_STRIDE);
  const all = new Array(n);
  const counts = new Array(n);
  for (let i = 0, j = 0; i < n; i++, j += COMPACT_STRIDE) {
    const f = v[j];
    const flags = v[j + 3];
    let node;
    if (f < 0) {
      node = { id: -1, name: '<all roots>', file: '', line: 0, time: v[j + 1], calls: v[j + 2], exact: (flags & EXACT) !== 0, reentry: (flags & REENTRY) !== 0, why: whys[v[j + 4]] ?? null };
    } else {
      const fn = functions[f];
      node = { id: fn[0], name: fn[1], file: files[fn[2]], line: fn[3], time: v[j + 1], calls: v[j + 2], exact: (flags & EXACT) !== 0, reentry: (flags & REENTRY) !== 0, why: whys[v[j + 4]] ?? null, cumtime: fn[4], tottime: fn[5], ncalls: fn[6], pcalls: fn[7] };
    }
    if (v[j + 6] > 0) node.hidden = { time: v[j + 5], count: v[j + 6] };
    node.children = null;
    node.more = (flags & MORE) !== 0;
    all[i] = node;
    counts[i] = v[j + 7];
  }
  // breadth-first: a node's children are the next nodes not yet claimed
  let next = 1;
  for (let i = 0; i < n; i++) {
    all[i].children = all.slice(next, next + counts[i]);
    next += counts[i];
  }
  const out = { path: body.path };
  if (n > 0) out.root = all[0];
  return out;
}
