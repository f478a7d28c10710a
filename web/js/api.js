// api.js: the only way the UI talks to the server, the REST API of docs/api.md.
// Every failure becomes an ApiError whose message says what was being loaded
// and why it failed, ready to show to the user.

export class ApiError extends Error {
  constructor(what, status, detail) {
    super(`${what} failed: ${detail}${status ? ` (HTTP ${status})` : ''}`);
    this.status = status;
    this.detail = detail;
  }
}

async function getJson(url, what, signal) {
  let res;
  try {
    res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(what, 0, 'the server did not answer; is profviz still running?');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    if (res.ok) throw new ApiError(what, res.status, 'the server sent something that is not JSON');
  }
  if (!res.ok) throw new ApiError(what, res.status, (body && body.error) || res.statusText || 'error');
  return body;
}

const enc = encodeURIComponent;

export function listProfiles() {
  return getJson('/api/profiles', 'Loading the list of profiles');
}

export function getProfile(id) {
  return getJson(`/api/profiles/${enc(id)}`, 'Loading the profile');
}

/** GET .../tree: {path, root}. opts: {path: [ids], depth, cutoff, maxNodes}. */
export function getTree(id, opts = {}, signal) {
  const p = new URLSearchParams();
  p.set('path', (opts.path || []).join(','));
  if (opts.depth !== undefined) p.set('depth', String(opts.depth));
  if (opts.cutoff !== undefined) p.set('cutoff', String(opts.cutoff));
  if (opts.maxNodes !== undefined) p.set('max_nodes', String(opts.maxNodes));
  const q = p.toString().replace(/%2C/g, ',');
  return getJson(`/api/profiles/${enc(id)}/tree?${q}`, 'Loading the call tree', signal);
}

/** GET .../functions: {total, rows}. opts: {sort, order, q, offset, limit}. */
export function getFunctions(id, opts = {}, signal) {
  const p = new URLSearchParams();
  for (const k of ['sort', 'order', 'q', 'offset', 'limit']) {
    if (opts[k] !== undefined && opts[k] !== '') p.set(k, String(opts[k]));
  }
  return getJson(`/api/profiles/${enc(id)}/functions?${p}`, 'Loading the function table', signal);
}

/** GET .../functions/{fid}: {function, callers, callees}. */
export function getFunction(id, fid, signal) {
  return getJson(`/api/profiles/${enc(id)}/functions/${enc(fid)}`, `Loading function ${fid}`, signal);
}
