// api.js: the only way the UI talks to the server, the REST API of docs/api.md.
// Every failure becomes an ApiError whose message says what was being loaded
// and why it failed, ready to show to the user.

import { expandTree } from './treeform.js';

export const TOKEN_MESSAGE = 'This server needs a token: open the link with ?token=… that whoever runs it gave you.';

export class ApiError extends Error {
  constructor(what, status, detail) {
    // 401: the same clear message whatever was being loaded
    super(status === 401 ? TOKEN_MESSAGE : `${what} failed: ${detail}${status ? ` (HTTP ${status})` : ''}`);
    this.status = status;
    this.detail = detail;
  }
}

/** The server's {"error": ...} message of a failed response, or its status text. */
async function errorOf(res) {
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string' && body.error) return body.error;
  } catch {
    // not JSON: fall through
  }
  return res.statusText || 'error';
}

/**
 * The JSON body of a response (a promise of fetch(url, {headers: {Accept:
 * 'application/json'}})), or an ApiError saying what failed while doing
 * what; an abort is passed on as it is. boot.js starts its requests itself
 * and hands them here.
 */
export async function jsonOf(response, what) {
  let res;
  try {
    res = await response;
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

function getJson(url, what, signal) {
  return jsonOf(fetch(url, { signal, headers: { Accept: 'application/json' } }), what);
}

export const TREE_WHAT = 'Loading the call tree';
export const TABLE_WHAT = 'Loading the function table';

const enc = encodeURIComponent;

/** GET /api/health: {status, version, uploads}; uploads is true only in --dir mode. */
export function health() {
  return getJson('/api/health', 'Asking the server what it supports');
}

export function listProfiles() {
  return getJson('/api/profiles', 'Loading the list of profiles');
}

export function getProfile(id) {
  return getJson(`/api/profiles/${enc(id)}`, 'Loading the profile');
}

/** GET .../tree (asked in the compact form): {path, root}. opts: {path: [ids], depth, cutoff, maxNodes}. */
export function getTree(id, opts = {}, signal) {
  const p = new URLSearchParams();
  p.set('path', (opts.path || []).join(','));
  if (opts.depth !== undefined) p.set('depth', String(opts.depth));
  if (opts.cutoff !== undefined) p.set('cutoff', String(opts.cutoff));
  if (opts.maxNodes !== undefined) p.set('max_nodes', String(opts.maxNodes));
  p.set('form', 'compact'); // a third as long; treeform.js reads it back
  const q = p.toString().replace(/%2C/g, ',');
  return treeOf(fetch(`/api/profiles/${enc(id)}/tree?${q}`, { signal, headers: { Accept: 'application/json' } }));
}

/** The tree of a response to GET .../tree (either form), in the nested form: {path, root}. */
export function treeOf(response) {
  return jsonOf(response, TREE_WHAT).then(expandTree);
}

/** GET .../functions: {total, rows}. opts: {sort, order, q, offset, limit}. */
export function getFunctions(id, opts = {}, signal) {
  const p = new URLSearchParams();
  for (const k of ['sort', 'order', 'q', 'offset', 'limit']) {
    if (opts[k] !== undefined && opts[k] !== '') p.set(k, String(opts[k]));
  }
  if (opts.within) p.set('within', opts.within.join(','));
  return getJson(`/api/profiles/${enc(id)}/functions?${p}`, TABLE_WHAT, signal);
}

/** GET .../functions/{fid}: {function, callers, callees}. */
export function getFunction(id, fid, signal) {
  return getJson(`/api/profiles/${enc(id)}/functions/${enc(fid)}`, `Loading function ${fid}`, signal);
}

/** GET /api/compare: a page of the comparison table. opts: {sort, order, q, offset, limit, mode}. */
export function getCompare(base, next, opts = {}, signal) {
  const p = new URLSearchParams({ base, new: next });
  for (const k of ['sort', 'order', 'q', 'offset', 'limit', 'mode']) {
    if (opts[k] !== undefined && opts[k] !== '') p.set(k, String(opts[k]));
  }
  return getJson(`/api/compare?${p}`, 'Loading the comparison', signal);
}

/** GET /api/compare/function: one function of a comparison, both runs side by side. opts: {side, fid, limit}. */
export function getCompareFunction(base, next, opts = {}, signal) {
  const p = new URLSearchParams({ base, new: next });
  for (const k of ['side', 'fid', 'limit']) if (opts[k] !== undefined) p.set(k, String(opts[k]));
  return getJson(`/api/compare/function?${p}`, `Loading function ${opts.fid} in both runs`, signal);
}

/** GET /api/compare/tree: the shown profile's tree with the other's times. opts: {side, path, depth, cutoff}. */
export function getCompareTree(base, next, opts = {}, signal) {
  const p = new URLSearchParams({ base, new: next });
  p.set('path', (opts.path || []).join(','));
  for (const k of ['side', 'depth', 'cutoff']) if (opts[k] !== undefined) p.set(k, String(opts[k]));
  const q = p.toString().replace(/%2C/g, ',');
  return getJson(`/api/compare/tree?${q}`, 'Loading the comparison tree', signal);
}

/**
 * POST /api/profiles?name=NAME with the file as the raw body. Resolves to
 * {created, profile}: created is false when the same content was already
 * stored (HTTP 200), profile is the summary as in the list. Rejects with an
 * ApiError carrying the server's own message (a file that is not a profile,
 * one too large, a missing token).
 */
export async function uploadProfile(file, signal) {
  const what = `Uploading ${file.name}`;
  let res;
  try {
    res = await fetch(`/api/profiles?name=${enc(file.name)}`, {
      method: 'POST',
      body: file,
      signal,
      headers: { Accept: 'application/json', 'Content-Type': 'application/octet-stream' },
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(what, 0, 'the server did not answer; is profviz still running?');
  }
  if (!res.ok) throw new ApiError(what, res.status, await errorOf(res));
  let profile = null;
  try {
    profile = await res.json();
  } catch {
    throw new ApiError(what, res.status, 'the server sent something that is not JSON');
  }
  if (!profile || typeof profile.id !== 'string') throw new ApiError(what, res.status, 'the server did not say which profile it stored');
  return { created: res.status === 201, profile };
}

/** GET .../functions/{fid}/callers-tree or callees-tree: {direction, nodes, root}. dir: 'callers' | 'callees'. */
export function getFunctionTree(id, fid, dir, opts = {}, signal) {
  const p = new URLSearchParams();
  for (const k of ['depth', 'cutoff', 'max_nodes']) if (opts[k] !== undefined) p.set(k, String(opts[k]));
  return getJson(`/api/profiles/${enc(id)}/functions/${enc(fid)}/${dir}-tree?${p}`, `Loading the ${dir} of function ${fid}`, signal);
}

function sitesQuery(opts) {
  const p = new URLSearchParams();
  if (opts.limit !== undefined) p.set('limit', String(opts.limit));
  if (opts.within) p.set('within', opts.within.join(','));
  if (opts.q !== undefined) p.set('q', opts.q);
  return p.toString().replace(/%2C/g, ',');
}

/** GET .../functions/{fid}/sites: {total, within, complete, sites: [{id, name, time, exact, path, via}]}. opts: {limit, within: [ids]}. */
export function getSites(id, fid, opts = {}, signal) {
  return getJson(`/api/profiles/${enc(id)}/functions/${enc(fid)}/sites?${sitesQuery(opts)}`, `Finding the call sites of function ${fid}`, signal);
}

/** GET .../search?q=: the call sites of every function matching q, as getSites. opts: {q, limit, within}. */
export function searchSites(id, opts = {}, signal) {
  return getJson(`/api/profiles/${enc(id)}/search?${sitesQuery(opts)}`, `Searching for “${opts.q}”`, signal);
}
