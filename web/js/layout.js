// layout.js: a call tree as the flat list of items every view draws from.
// Pure functions over plain objects, no DOM; unit-tested in
// tests/web/layout.test.mjs. Where each item goes on screen is the view's
// business (views/*.js); this file only decides what the items are.
//
// A tree comes from GET /api/profiles/{id}/tree: nodes {id, name, file, line,
// time, calls, exact, children, more} and, from newer servers, reentry, why,
// hidden {time, count}, cumtime, tottime, ncalls, pcalls. flatten() turns it
// into items, parents before children, each with its path (function ids from
// the tree root, as the API names view roots), its level below the view root
// and its horizontal extent [x0, x1) as fractions of the view root's time.

/** Item kinds: a function's node, or the remainder of children the server left out. */
export const NODE = 'node';
export const HIDDEN = 'hidden';

/**
 * Flattens a tree into layout items. rootPath is the view root's own path
 * (empty for the synthetic root). Children are placed left to right by
 * decreasing time; a child never extends past its parent even if the numbers
 * say otherwise. A node's hidden remainder ({time, count}) becomes a last
 * child of kind HIDDEN. Items deeper than maxDepth levels are left out.
 * opts.fold: a chain of nodes that each have exactly one child becomes one
 * item (below the view root), whose `chain` lists the folded nodes; its path
 * and children are those of the chain's last node, its time the first's.
 * Returns [{node, kind, chain, path, depth, x0, x1, parent, children: [indices]}].
 */
export function flatten(root, rootPath = [], maxDepth = Infinity, opts = {}) {
  const items = [];
  const total = root.time > 0 ? root.time : 1;
  items.push(item(root, NODE, [root], rootPath.slice(), 0, 0, 1, -1));
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.depth >= maxDepth || it.kind !== NODE) continue;
    const last = it.chain[it.chain.length - 1];
    const kids = largestFirst(last.children || []);
    let x = it.x0;
    for (const child of kids) {
      const w = Math.max(0, child.time) / total;
      const x1 = Math.min(it.x1, x + w);
      if (x1 <= x) continue;
      const chain = opts.fold ? foldChain(child) : [child];
      let path = it.path;
      for (const n of chain) if (n.id !== -1) path = path.concat(n.id);
      it.children.push(items.length);
      items.push(item(child, NODE, chain, path === it.path ? it.path.slice() : path, it.depth + 1, x, x1, i));
      x = x1;
    }
    const h = last.hidden;
    if (h && h.time > 0) {
      const x1 = Math.min(it.x1, x + h.time / total);
      if (x1 > x) {
        const node = { id: -2, name: '…', file: '', line: 0, time: h.time, count: h.count, exact: last.exact, children: [] };
        it.children.push(items.length);
        items.push(item(node, HIDDEN, [node], it.path.slice(), it.depth + 1, x, x1, i));
      }
    }
  }
  return items;
}

/** Children largest first: as they are when the server's order is that already (it is), else a sorted copy. */
function largestFirst(kids) {
  for (let i = 1; i < kids.length; i++) if (kids[i - 1].time < kids[i].time) return kids.slice().sort((a, b) => b.time - a.time);
  return kids;
}

function item(node, kind, chain, path, depth, x0, x1, parent) {
  return { node, kind, chain, path, depth, x0, x1, parent, children: [] };
}

/** Share of a node's time its hidden remainder may hold for the node to still count as single-child. */
export const FOLD_HIDDEN_SHARE = 0.02;

/**
 * The nodes folded into one item from n: n, then its only child, while there
 * is exactly one (a hidden remainder of at most FOLD_HIDDEN_SHARE of the
 * node's time aside: it stays inside the folded box, and the tooltip says so).
 */
export function foldChain(n) {
  const chain = [n];
  let cur = n;
  const single = (x) =>
    x.children && x.children.length === 1 && !(x.more && !x.hidden) && !(x.hidden && x.hidden.time > FOLD_HIDDEN_SHARE * x.time);
  while (single(cur)) {
    cur = cur.children[0];
    chain.push(cur);
  }
  return chain;
}

/** The hidden remainders inside a folded chain (all but the last node's): {time, count}. */
export function foldedHidden(chain) {
  let time = 0;
  let count = 0;
  for (const n of chain.slice(0, -1)) {
    if (n.hidden) {
      time += n.hidden.time;
      count += n.hidden.count;
    }
  }
  return { time, count };
}

/** Number of levels in a flattened tree (1 for a lone root). */
export function levels(items) {
  let d = 0;
  for (const it of items) if (it.depth > d) d = it.depth;
  return items.length ? d + 1 : 0;
}

/**
 * Keyboard navigation: the item reached from item i by an arrow key.
 * 'up' goes to the parent, 'down' to the widest child, 'left'/'right' to the
 * nearest visible item on the same level. visible(i) says whether an item is
 * drawn. Returns the new index, or i when there is nowhere to go.
 */
export function neighbour(items, i, key, visible = () => true) {
  const it = items[i];
  if (!it) return i;
  if (key === 'up') return it.parent >= 0 ? it.parent : i;
  if (key === 'down') {
    const c = it.children.find((k) => visible(k));
    return c === undefined ? i : c;
  }
  if (key === 'left' || key === 'right') {
    let best = i;
    let bestGap = Infinity;
    for (let k = 0; k < items.length; k++) {
      const o = items[k];
      if (k === i || o.depth !== it.depth || !visible(k)) continue;
      const gap = key === 'right' ? o.x0 - it.x0 : it.x0 - o.x0;
      if (gap > 0 && gap < bestGap) {
        bestGap = gap;
        best = k;
      }
    }
    return best;
  }
  return i;
}

/** True when a node matches search text (case-insensitive substring of name or file). */
export function matches(node, query) {
  if (!query) return false;
  const q = query.toLowerCase();
  return (node.name || '').toLowerCase().includes(q) || (node.file || '').toLowerCase().includes(q);
}

/** True when an item matches: any node of a folded chain does. */
export function itemMatches(it, query) {
  if (!query || it.kind !== NODE) return false;
  return it.chain.some((n) => matches(n, query));
}

/** The name shown for an item: one name, or the first and last of a folded chain. */
export function itemName(it) {
  if (it.kind === HIDDEN) return `… ${it.node.count || ''} hidden`.replace('  ', ' ');
  if (it.chain.length === 1) return it.node.name;
  return `${it.chain[0].name} › ${it.chain[it.chain.length - 1].name}`;
}
