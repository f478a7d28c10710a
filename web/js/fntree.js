// fntree.js: the function view's trees as rows (pure, unit-tested in
// tests/web/fntree.test.mjs). A tree is what GET .../callers-tree and
// .../callees-tree answer: nodes {id, name, time, exact, why, reentry,
// hidden, children, more}. Rows are the nodes to show, depth first, each with
// its depth, a key (the ids from the first level down) and whether it is
// open; the children of a closed row are left out.

/** The rows of tree root's children, opening the nodes whose key is in open (a Set). */
export function treeRows(root, open) {
  const rows = [];
  const walk = (nodes, depth, prefix) => {
    for (const n of nodes) {
      const key = prefix ? `${prefix},${n.id}` : String(n.id);
      const hasKids = (n.children && n.children.length > 0) || !!n.hidden;
      const isOpen = hasKids && open.has(key);
      rows.push({ node: n, depth, key, hasKids, open: isOpen });
      if (isOpen && n.children) walk(n.children, depth + 1, key);
    }
  };
  if (root && root.children) walk(root.children, 0, '');
  return rows;
}

/** The first level of a tree as {id, time}: what the function view hook reports. */
export function firstLevel(root) {
  return root && root.children ? root.children.map((c) => ({ id: c.id, time: c.time })) : [];
}

/** Sum of the times of the first level (with its hidden remainder). */
export function firstLevelTime(root) {
  if (!root || !root.children) return 0;
  let t = 0;
  for (const c of root.children) t += c.time;
  if (root.hidden) t += root.hidden.time;
  return t;
}

/** Why a time is an estimate, in words (null when measured). */
export function whyText(node) {
  if (node.exact) return null;
  switch (node.why) {
    case 'several-callers':
      return 'estimated: shared out in proportion to the callers’ edges';
    case 'estimated-parent':
      return 'estimated: the level above is an estimate';
    case 'calls-only':
      return 'estimated from call counts (the profile has no times for this edge)';
    case 'recursive-parent':
      return 'estimated: recursive calls overlap';
    default:
      return 'estimated';
  }
}

/** The short form of a site's path for a list: the last `keep` names, "…" before them. */
export function siteLabel(via, keep = 3) {
  const tail = via.slice(-keep);
  return (via.length > keep ? '… › ' : '') + tail.join(' › ');
}
