// rootpath.js: finds where a function sits in the call tree, so that "Show in
// graph" can make it the view root. The tree names nodes by paths of function
// ids from its root; the profile only knows caller->callee edges. Walking the
// callers backwards, breadth-first (heaviest callers first), finds a shortest
// call path from a tree root to the function, with a bounded number of
// requests. Pure logic: the data come from the callbacks, so it is unit-tested
// in tests/web/rootpath.test.mjs without a server.

/**
 * top: the tree's top node as GET .../tree?path=&depth=1 returns it (id -1 for
 * the synthetic root, whose children are the real roots).
 * callers(fid) -> Promise<[{id, cumtime}]>; check(path) -> Promise that
 * rejects when the server does not accept the path.
 * Returns a Promise of the path (array of ids) or null when none was found
 * within maxFunctions callers looked at.
 */
export async function findTreePath(profile, fid, { top, callers, check, maxFunctions = 400, batch = 12 }) {
  const starts = new Set();
  const prefix = [];
  if (top.id === -1) for (const c of top.children || []) starts.add(c.id);
  else {
    starts.add(top.id);
  }
  if (top.id !== -1 && fid === top.id) return [top.id];
  const next = new Map([[fid, null]]); // caller -> the function it leads to
  let frontier = [fid];
  let looked = 0;
  const tried = [];
  while (frontier.length && looked < maxFunctions) {
    const found = frontier.filter((f) => starts.has(f));
    for (const s of found) {
      const path = prefix.slice();
      for (let f = s; f !== null; f = next.get(f)) path.push(f);
      tried.push(path);
      try {
        await check(path);
        return path;
      } catch {
        // not a node of the tree (e.g. cut by the recursion rule): keep looking
      }
    }
    const level = frontier.filter((f) => !starts.has(f) || found.length === 0);
    const newFrontier = [];
    for (let k = 0; k < level.length && looked < maxFunctions; k += batch) {
      const chunk = level.slice(k, k + batch);
      looked += chunk.length;
      const lists = await Promise.all(chunk.map((f) => callers(f).catch(() => [])));
      chunk.forEach((f, j) => {
        const sorted = lists[j].slice().sort((a, b) => b.cumtime - a.cumtime);
        for (const c of sorted) {
          if (next.has(c.id)) continue;
          next.set(c.id, f);
          newFrontier.push(c.id);
        }
      });
    }
    frontier = newFrontier;
  }
  return null;
}
