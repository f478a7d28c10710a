/* api_function.c: the function view's endpoints (api_function.h): the
 * callers and callees trees of one function, its call sites, and the call
 * sites of a search.
 *
 * The parameters are read and answered with api_params.h (limits from
 * api.h), as for every other endpoint. Each handler writes its answer with the JSON writer while
 * the registry entry is acquired.
 */
#include "api_function.h"

#include <stdlib.h>
#include <string.h>

#include "api_params.h"
#include "butterfly.h"
#include "json.h"
#include "sites.h"

#define SITE_VIA 4 /* names given with each site: the last steps of its path */

/* ---- Routing ---------------------------------------------------------------- */

enum kind { K_NONE, K_CALLERS, K_CALLEES, K_SITES, K_SEARCH };

/* Splits "/api/profiles/ID/..." into seg[] (at most 4). Returns the number
 * of segments, or -1. */
static int split(const char *path, char seg[4][PV_API_SEGMENT_MAX])
{
    if (strncmp(path, "/api/profiles/", 14) != 0) return -1;
    return pv_api_split_path(path + 14, seg, 4);
}

static enum kind kind_of(const char *path, char seg[4][PV_API_SEGMENT_MAX])
{
    int n = split(path, seg);
    if (n == 2 && strcmp(seg[1], "search") == 0) return K_SEARCH;
    if (n != 4 || strcmp(seg[1], "functions") != 0) return K_NONE;
    if (strcmp(seg[3], "callers-tree") == 0) return K_CALLERS;
    if (strcmp(seg[3], "callees-tree") == 0) return K_CALLEES;
    if (strcmp(seg[3], "sites") == 0) return K_SITES;
    return K_NONE;
}

bool pv_api_function_route(const char *path)
{
    char seg[4][PV_API_SEGMENT_MAX];
    return kind_of(path, seg) != K_NONE;
}

/* ---- JSON -------------------------------------------------------------------- */

static void put_identity(pv_json *w, const pv_profile *p, int64_t id)
{
    const pv_function *f = &p->functions[id];
    pv_json_key_int(w, "id", id);
    pv_json_key_cstring(w, "name", f->name);
    pv_json_key_cstring(w, "file", f->file);
    pv_json_key_int(w, "line", f->line);
}

/* Node i of bf and its descendants, written depth first without recursion
 * limits beyond the tree's depth (at most 1000 levels, by the request). */
static void put_bf_node(pv_json *w, const pv_profile *p, const pv_butterfly *bf, size_t i)
{
    const pv_tree_node *node = &bf->nodes[i];
    pv_json_begin_object(w);
    put_identity(w, p, node->func);
    pv_json_key_double(w, "time", node->time);
    pv_json_key_int(w, "calls", node->calls);
    pv_json_key_bool(w, "exact", node->exact);
    pv_json_key_bool(w, "reentry", node->reentry);
    pv_api_put_why(w, node->why);
    pv_api_put_hidden(w, node->hidden_time, node->hidden);
    pv_json_key(w, "children");
    pv_json_begin_array(w);
    for (uint32_t c = 0; c < node->nchildren && !pv_json_failed(w); c++)
        put_bf_node(w, p, bf, (size_t)node->first_child + c);
    pv_json_end_array(w);
    pv_json_key_bool(w, "more", node->more);
    pv_json_end_object(w);
}

/* Parses a function id segment naming a function of p. */
static bool parse_fid(const pv_profile *p, const char *s, uint32_t *out)
{
    if (!*s) return false;
    unsigned long long v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9' || v > UINT32_MAX) return false;
        v = v * 10 + (unsigned)(*c - '0');
    }
    if (v >= p->nfunctions) return false;
    *out = (uint32_t)v;
    return true;
}

int pv_api_within_mask(const pv_profile *profile, const pv_api_request *req, unsigned char **mask,
                       pv_error *err)
{
    *mask = NULL;
    int64_t *path = NULL;
    size_t len = 0;
    int got = pv_api_path_param(req, "within", &path, &len, err);
    if (got <= 0) return got;
    pv_tree_request treq;
    pv_tree_request_defaults(&treq);
    treq.path = path;
    treq.path_len = len;
    treq.depth = 1000;
    treq.cutoff = 0;
    treq.max_nodes = PV_API_WITHIN_NODES;
    pv_tree *tree = NULL;
    int rc = pv_tree_build(profile, &treq, &tree, err);
    free(path);
    if (rc < 0) {
        if (err->kind == PV_ERR_NOT_FOUND) pv_error_prefix(err, "bad parameter 'within': ");
        return -1;
    }
    unsigned char *m = calloc(profile->nfunctions ? profile->nfunctions : 1, 1);
    if (!m) {
        pv_tree_free(tree);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    for (size_t i = 0; i < tree->nnodes; i++)
        if (tree->nodes[i].func >= 0) m[tree->nodes[i].func] = 1;
    pv_tree_free(tree);
    *mask = m;
    return 1;
}

/* ---- Handlers ---------------------------------------------------------------- */

static int handle_tree(const pv_registry_entry *entry, uint32_t fid, pv_bf_direction dir,
                       const pv_api_request *req, pv_api_reply *reply)
{
    pv_error perr;
    pv_bf_request breq;
    pv_bf_request_defaults(&breq);
    breq.direction = dir;
    long long depth = breq.depth, max_nodes = PV_API_BF_DEFAULT_NODES;
    if (pv_api_int_param(req, "depth", 1, PV_API_MAX_DEPTH, &depth, &perr) < 0 ||
        pv_api_int_param(req, "max_nodes", 2, PV_API_MAX_NODES, &max_nodes, &perr) < 0 ||
        pv_api_fraction_param(req, "cutoff", &breq.cutoff, &perr) < 0)
        return pv_api_reply_fail(reply, &perr);
    breq.depth = (int)depth;
    breq.max_nodes = (size_t)max_nodes;
    pv_butterfly *bf = NULL;
    pv_error err;
    if (pv_butterfly_build(entry->profile, fid, &breq, &bf, &err) < 0)
        return pv_api_reply_fail(reply, &err);
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_cstring(&w, "direction", dir == PV_BF_CALLERS ? "callers" : "callees");
    pv_json_key_int(&w, "nodes", (int64_t)bf->nnodes);
    pv_json_key(&w, "root");
    put_bf_node(&w, entry->profile, bf, 0);
    pv_json_end_object(&w);
    pv_butterfly_free(bf);
    return pv_api_reply_json(reply, &w);
}

/* Finds and writes the sites of the functions match marks. */
static int answer_sites(const pv_registry_entry *entry, const unsigned char *match, int64_t one,
                        const pv_api_request *req, pv_api_reply *reply)
{
    const pv_profile *p = entry->profile;
    pv_error perr;
    long long limit = PV_API_SITES_DEFAULT_LIMIT;
    if (pv_api_int_param(req, "limit", 0, PV_API_SITES_MAX_LIMIT, &limit, &perr) < 0)
        return pv_api_reply_fail(reply, &perr);
    pv_sites_request sreq;
    pv_sites_request_defaults(&sreq);
    int64_t *within = NULL;
    size_t within_len = 0;
    int got = pv_api_path_param(req, "within", &within, &within_len, &perr);
    if (got < 0) return pv_api_reply_fail(reply, &perr);
    sreq.match = match;
    sreq.count_within = got == 1;
    sreq.within = within;
    sreq.within_len = within_len;
    sreq.limit = (size_t)limit;
    sreq.max_nodes = PV_API_SITES_NODES;
    sreq.cutoff = PV_API_SITES_CUTOFF;
    sreq.one = one;
    pv_sites *s = NULL;
    pv_error err;
    int rc = pv_sites_find(p, &sreq, &s, &err);
    free(within);
    if (rc < 0) return pv_api_reply_fail(reply, &err);
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_int(&w, "total", (int64_t)s->total);
    pv_json_key(&w, "within");
    if (got)
        pv_json_int(&w, (int64_t)s->total_within);
    else
        pv_json_null(&w);
    pv_json_key_bool(&w, "complete", s->complete);
    pv_json_key_int(&w, "tree_nodes", (int64_t)s->tree_nodes);
    pv_json_key_int(&w, "from_chains", (int64_t)s->from_chains);
    pv_json_key_double(&w, "cutoff", PV_API_SITES_CUTOFF);
    pv_json_key(&w, "sites");
    pv_json_begin_array(&w);
    for (size_t i = 0; i < s->nsites && !pv_json_failed(&w); i++) {
        const pv_site *site = &s->sites[i];
        pv_json_begin_object(&w);
        put_identity(&w, p, site->func);
        pv_json_key_double(&w, "time", site->time);
        pv_json_key_bool(&w, "exact", site->exact);
        pv_api_put_why(&w, site->why);
        if (got) pv_json_key_bool(&w, "within", site->within);
        pv_json_key(&w, "path");
        pv_json_begin_array(&w);
        for (size_t k = 0; k < site->path_len; k++)
            pv_json_int(&w, site->path[k]);
        pv_json_end_array(&w);
        /* the names of the last steps, for a list to show without more requests */
        pv_json_key(&w, "via");
        pv_json_begin_array(&w);
        for (size_t k = site->path_len > SITE_VIA ? site->path_len - SITE_VIA : 0;
             k < site->path_len; k++)
            pv_json_cstring(&w, p->functions[site->path[k]].name);
        pv_json_end_array(&w);
        pv_json_end_object(&w);
    }
    pv_json_end_array(&w);
    pv_json_end_object(&w);
    pv_sites_free(s);
    return pv_api_reply_json(reply, &w);
}

static int handle_sites(const pv_registry_entry *entry, uint32_t fid, const pv_api_request *req,
                        pv_api_reply *reply)
{
    unsigned char *match = calloc(entry->profile->nfunctions, 1);
    if (!match) return pv_api_reply_error(reply, 500, "out of memory");
    match[fid] = 1;
    int rc = answer_sites(entry, match, fid, req, reply);
    free(match);
    return rc;
}

static int handle_search(const pv_registry_entry *entry, const pv_api_request *req,
                         pv_api_reply *reply)
{
    pv_error perr;
    const char *q = NULL;
    int got = pv_api_get_param(req, "q", &q, &perr);
    if (got < 0) return pv_api_reply_fail(reply, &perr);
    if (!got || !*q)
        return pv_api_reply_error(reply, 400, "bad parameter 'q': give the text to find");
    if (strlen(q) > PV_API_MAX_QUERY)
        return pv_api_reply_error(reply, 400, "bad parameter 'q': longer than %d bytes",
                                  PV_API_MAX_QUERY);
    const pv_profile *p = entry->profile;
    pv_function_query query = {.sort = PV_SORT_DEFAULT, .descending = true, .q = q};
    query.limit = p->nfunctions;
    uint32_t *ids = NULL;
    size_t nids = 0, total = 0;
    pv_error err;
    if (pv_registry_query_functions(entry, &query, &ids, &nids, &total, &err) < 0)
        return pv_api_reply_fail(reply, &err);
    unsigned char *match = calloc(p->nfunctions ? p->nfunctions : 1, 1);
    if (!match) {
        free(ids);
        return pv_api_reply_error(reply, 500, "out of memory");
    }
    for (size_t i = 0; i < nids; i++)
        match[ids[i]] = 1;
    free(ids);
    int rc = answer_sites(entry, match, -1, req, reply);
    free(match);
    return rc;
}

int pv_api_function_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply)
{
    reply->status = 500;
    reply->body = NULL;
    reply->len = 0;
    char seg[4][PV_API_SEGMENT_MAX];
    enum kind k = kind_of(req->path, seg);
    if (k == K_NONE)
        return pv_api_reply_error(reply, 404, "no such API endpoint: %.*s",
                                  pv_api_clip(req->path, 100), req->path);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return pv_api_reply_error(reply, 405, "method %.*s is not allowed here; use GET",
                                  pv_api_clip(req->method, 20), req->method);
    const pv_registry_entry *entry = pv_registry_acquire(reg, seg[0]);
    if (!entry) return pv_api_reply_error(reply, 404, "no profile with id %s", seg[0]);
    int rc;
    uint32_t fid = 0;
    if (k == K_SEARCH)
        rc = handle_search(entry, req, reply);
    else if (!parse_fid(entry->profile, seg[2], &fid))
        rc = pv_api_reply_error(reply, 404, "no function %.*s in profile %s",
                                pv_api_echo_len(seg[2]), seg[2], entry->id);
    else if (k == K_SITES)
        rc = handle_sites(entry, fid, req, reply);
    else
        rc = handle_tree(entry, fid, k == K_CALLERS ? PV_BF_CALLERS : PV_BF_CALLEES, req, reply);
    pv_registry_release(reg, entry);
    return rc;
}
