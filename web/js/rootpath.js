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
 * Returns a Promise of the path (array of ids, the real tree root first when
 * there is one) or null when none was found within maxFunctions lookups.
 */
export async function findTreePath(profile, fid, { top, callers, check, maxFunctions = 400, batch = 12 }) {
  const starts = new Set(top.id === -1 ? (top.children || []).map((c) => c.id) : [top.id]);
  const next = new Map([[fid, null]]); // function -> the function it calls on the way to fid
  const chain = (f) => {
    const p = [];
    for (let g = f; g !== null; g = next.get(g)) p.push(g);
    return p;
  };
  let candidates = starts.has(fid) ? [[fid]] : [];
  let frontier = starts.has(fid) ? [] : [fid];
  let looked = 0;
  for (;;) {
    for (const path of candidates) {
      try {
        await check(path);
        return path;
      } catch {
        // not a node of the tree (the server's rules differ): try the next one
      }
    }
    candidates = [];
    if (!frontier.length || looked >= maxFunctions) return null;
    const newFrontier = [];
    for (let k = 0; k < frontier.length && looked < maxFunctions; k += batch) {
      const chunk = frontier.slice(k, k + batch);
      looked += chunk.length;
      const lists = await Promise.all(chunk.map((f) => callers(f).catch(() => [])));
      chunk.forEach((f, j) => {
        const sorted = lists[j].slice().sort((a, b) => b.cumtime - a.cumtime);
        for (const c of sorted) {
          if (starts.has(c.id)) {
            const rest = chain(f);
            if (!rest.includes(c.id)) candidates.push([c.id, ...rest]);
          }
          if (next.has(c.id)) continue;
          next.set(c.id, f);
          if (!starts.has(c.id)) newFrontier.push(c.id);
        }
      });
    }
    frontier = newFrontier;
  }
}
