/* api.c: routes under /api and the model as JSON (the replies and the
 * parameter readers are api_params.c's, shared with the other endpoints).
 *
 * Each handler writes its answer straight into a streaming JSON writer
 * (json.h) while the registry entry is acquired: nothing but the text is
 * built, integers stay integers, and every double reads back exactly. An
 * allocation that fails anywhere turns the answer into a 500.
 */
#include "api.h"
#include "api_compare.h"
#include "api_function.h"
#include "api_params.h"
#include "api_tree.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "status.h"

/* ---- The model as JSON ----------------------------------------------------- */

static double ratio(double num, int64_t den)
{
    return den > 0 ? num / (double)den : NAN;
}

/* The pstats numbers of a row: calls, times and per-call times (null where
 * pstats leaves them blank). */
static void put_numbers(pv_json *w, int64_t ncalls, int64_t pcalls, double tottime, double cumtime)
{
    pv_json_key_int(w, "ncalls", ncalls);
    pv_json_key_int(w, "pcalls", pcalls);
    pv_json_key_double(w, "tottime", tottime);
    pv_json_key_double(w, "tottime_percall", ratio(tottime, ncalls));
    pv_json_key_double(w, "cumtime", cumtime);
    pv_json_key_double(w, "cumtime_percall", ratio(cumtime, pcalls));
}

static void put_identity(pv_json *w, const pv_profile *p, uint32_t id)
{
    const pv_function *f = &p->functions[id];
    pv_json_key_int(w, "id", id);
    pv_json_key_cstring(w, "file", f->file);
    pv_json_key_int(w, "line", f->line);
    pv_json_key_cstring(w, "name", f->name);
}

/* A row of the function table. */
static void put_function_row(pv_json *w, const pv_profile *p, uint32_t id)
{
    const pv_function *f = &p->functions[id];
    pv_json_begin_object(w);
    put_identity(w, p, id);
    put_numbers(w, f->ncalls, f->pcalls, f->tottime, f->cumtime);
    pv_json_end_object(w);
}

/* The other function of an edge with the edge's own numbers. */
static void put_edge_row(pv_json *w, const pv_profile *p, const pv_edge *e, uint32_t other)
{
    pv_json_begin_object(w);
    put_identity(w, p, other);
    put_numbers(w, e->ncalls, e->pcalls, e->tottime, e->cumtime);
    pv_json_end_object(w);
}

static void put_summary(pv_json *w, const pv_registry_entry *entry)
{
    pv_json_begin_object(w);
    pv_api_put_summary_members(w, entry);
    pv_json_end_object(w);
}

/* ---- Handlers --------------------------------------------------------------- */

static int handle_health(const pv_api_request *req, pv_api_reply *reply)
{
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_cstring(&w, "status", "ok");
    pv_json_key_cstring(&w, "version", PROFVIZ_VERSION);
    pv_json_key_bool(&w, "uploads", req->uploads);
    pv_json_end_object(&w);
    return pv_api_reply_json(reply, &w);
}

static int handle_list(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply)
{
    pv_registry_entry *list = NULL;
    size_t n = 0;
    pv_error err;
    if (pv_registry_list(reg, req->newest_first, &list, &n, &err) < 0)
        return pv_api_reply_fail(reply, &err);
    pv_json w = {0};
    pv_json_begin_array(&w);
    for (size_t i = 0; i < n; i++)
        put_summary(&w, &list[i]);
    pv_json_end_array(&w);
    pv_registry_list_free(list, n);
    return pv_api_reply_json(reply, &w);
}

int pv_api_summary_reply(pv_registry *reg, const char *id, unsigned status, pv_api_reply *reply)
{
    reply->body = NULL;
    reply->len = 0;
    pv_registry_entry *list = NULL;
    size_t n = 0;
    pv_error err;
    if (pv_registry_list(reg, false, &list, &n, &err) < 0) return pv_api_reply_fail(reply, &err);
    size_t i = 0;
    while (i < n && strcmp(list[i].id, id) != 0)
        i++;
    int rc;
    if (i == n) {
        rc = pv_api_reply_error(reply, 404, "no profile with id %.*s", pv_api_clip(id, 20), id);
    } else {
        pv_json w = {0};
        put_summary(&w, &list[i]);
        rc = pv_api_reply_json(reply, &w);
        /* Only a summary gets the caller's status: an out-of-memory answer
         * stays a 500, never a 201 with an error body. */
        if (rc == 0 && reply->status == 200) reply->status = status;
    }
    pv_registry_list_free(list, n);
    return rc;
}

int pv_api_upload_reply(pv_registry *reg, pv_upload_result result, const char *id,
                        const pv_error *err, pv_api_reply *reply)
{
    if (result == PV_UPLOAD_STORED || result == PV_UPLOAD_EXISTS)
        return pv_api_summary_reply(reg, id, result == PV_UPLOAD_STORED ? 201 : 200, reply);
    char message[PV_ERROR_MESSAGE_MAX + 40];
    pv_error_format(err, message, sizeof message);
    unsigned status = result == PV_UPLOAD_INVALID ? 400 : pv_status_of(err->kind);
    return pv_api_error_reply(status, message, reply);
}

static int handle_profile(const pv_registry_entry *entry, pv_api_reply *reply)
{
    const pv_profile *p = entry->profile;
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_api_put_summary_members(&w, entry);
    pv_json_key(&w, "roots");
    pv_json_begin_array(&w);
    for (uint32_t i = 0; i < p->nroots; i++)
        put_function_row(&w, p, p->roots[i]);
    pv_json_end_array(&w);
    pv_json_end_object(&w);
    return pv_api_reply_json(reply, &w);
}

static int handle_functions(const pv_registry_entry *entry, const pv_api_request *req,
                            pv_api_reply *reply)
{
    pv_error perr;
    pv_function_query query = {.sort = PV_SORT_DEFAULT, .descending = true};
    const char *v = NULL;
    int got = pv_api_get_param(req, "sort", &v, &perr);
    if (got < 0) return pv_api_reply_fail(reply, &perr);
    if (got) {
        int key = pv_index_sort_key_from_name(v);
        if (key < 0)
            return pv_api_reply_error(
                reply, 400,
                "bad parameter 'sort': expected tottime, cumtime, ncalls, pcalls, "
                "name, file, tottime_percall or cumtime_percall, got \"%.*s\"",
                pv_api_echo_len(v), v);
        query.sort = (pv_sort_key)key;
        query.descending = !pv_index_sort_is_text((pv_sort_key)key);
    }
    static const char *const orders[] = {"asc", "desc"};
    int desc = query.descending;
    if (pv_api_word_param(req, "order", orders, 2, "asc or desc", &desc, &perr) < 0)
        return pv_api_reply_fail(reply, &perr);
    query.descending = desc;
    got = pv_api_get_param(req, "q", &v, &perr);
    if (got < 0) return pv_api_reply_fail(reply, &perr);
    if (got) {
        if (strlen(v) > PV_API_MAX_QUERY)
            return pv_api_reply_error(reply, 400, "bad parameter 'q': longer than %d bytes",
                                      PV_API_MAX_QUERY);
        query.q = v;
    }
    long long offset = 0, limit = PV_API_DEFAULT_LIMIT;
    if (pv_api_int_param(req, "offset", 0, INT64_MAX, &offset, &perr) < 0 ||
        pv_api_int_param(req, "limit", 0, PV_API_MAX_LIMIT, &limit, &perr) < 0)
        return pv_api_reply_fail(reply, &perr);
    query.offset = (unsigned long long)offset > SIZE_MAX ? SIZE_MAX : (size_t)offset;
    query.limit = (size_t)limit;
    unsigned char *only = NULL; /* within=PATH: the functions of that subtree */
    if (pv_api_within_mask(entry->profile, req, &only, &perr) < 0)
        return pv_api_reply_fail(reply, &perr);
    query.only = only;

    uint32_t *ids = NULL;
    size_t nids = 0, total = 0;
    pv_error err;
    int qrc = pv_registry_query_functions(entry, &query, &ids, &nids, &total, &err);
    free(only);
    if (qrc < 0) return pv_api_reply_fail(reply, &err);
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_int(&w, "total", (int64_t)total);
    pv_json_key(&w, "rows");
    pv_json_begin_array(&w);
    for (size_t i = 0; i < nids; i++)
        put_function_row(&w, entry->profile, ids[i]);
    pv_json_end_array(&w);
    pv_json_end_object(&w);
    free(ids);
    return pv_api_reply_json(reply, &w);
}

/* Orders edges by cumtime descending (count-only edges by calls), then by
 * caller and callee id, so that lists are stable. */
static int compare_edges(const void *pa, const void *pb)
{
    const pv_edge *a = *(const pv_edge *const *)pa, *b = *(const pv_edge *const *)pb;
    double ka = pv_edge_has_times(a) ? a->cumtime : -1, kb = pv_edge_has_times(b) ? b->cumtime : -1;
    if (ka != kb) return ka > kb ? -1 : 1;
    if (a->ncalls != b->ncalls) return a->ncalls > b->ncalls ? -1 : 1;
    if (a->caller != b->caller) return a->caller < b->caller ? -1 : 1;
    return (a->callee > b->callee) - (a->callee < b->callee);
}

/* An array of the n edges (sorted), each as the row of its other end. */
static void put_edge_list(pv_json *w, const pv_profile *p, const pv_edge **edges, size_t n,
                          bool callers)
{
    qsort(edges, n, sizeof *edges, compare_edges);
    pv_json_begin_array(w);
    for (size_t i = 0; i < n; i++)
        put_edge_row(w, p, edges[i], callers ? edges[i]->caller : edges[i]->callee);
    pv_json_end_array(w);
}

/* Parses a function id segment: decimal digits naming a function of p. */
static bool parse_function_id(const pv_profile *p, const char *s, uint32_t *out)
{
    long long v = 0;
    if (*s == '-' || !pv_api_parse_int(s, &v) || v >= (long long)p->nfunctions) return false;
    *out = (uint32_t)v;
    return true;
}

static int handle_function(const pv_registry_entry *entry, const char *fid_text,
                           pv_api_reply *reply)
{
    const pv_profile *p = entry->profile;
    uint32_t fid = 0;
    if (!parse_function_id(p, fid_text, &fid))
        return pv_api_reply_error(reply, 404, "no function %.*s in profile %s",
                                  pv_api_echo_len(fid_text), fid_text, entry->id);
    const pv_function *f = &p->functions[fid];
    size_t n = (size_t)f->ncallers + f->ncallees;
    const pv_edge **edges = malloc((n ? n : 1) * sizeof *edges);
    if (!edges) return pv_api_reply_error(reply, 500, "out of memory");
    for (uint32_t i = 0; i < f->ncallers; i++)
        edges[i] = &p->edges[f->first_caller + i];
    for (uint32_t i = 0; i < f->ncallees; i++)
        edges[f->ncallers + i] = &p->edges[p->callee_edges[f->first_callee + i]];

    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key(&w, "function");
    put_function_row(&w, p, fid);
    pv_json_key(&w, "callers");
    put_edge_list(&w, p, edges, f->ncallers, true);
    pv_json_key(&w, "callees");
    put_edge_list(&w, p, edges + f->ncallers, f->ncallees, false);
    pv_json_end_object(&w);
    free(edges);
    return pv_api_reply_json(reply, &w);
}

/* ---- Routing ---------------------------------------------------------------- */

int pv_api_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply)
{
    reply->status = 500;
    reply->body = NULL;
    reply->len = 0;
    const char *path = req->path;
    if (pv_api_compare_route(path)) return pv_api_compare_handle(reg, req, reply);
    bool known = strcmp(path, "/api/health") == 0 || strcmp(path, "/api/profiles") == 0 ||
                 strncmp(path, "/api/profiles/", 14) == 0;
    if (!known)
        return pv_api_reply_error(reply, 404, "no such API endpoint: %.*s", pv_api_clip(path, 100),
                                  path);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return pv_api_reply_error(reply, 405, "method %.*s is not allowed here; use GET",
                                  pv_api_clip(req->method, 20), req->method);
    if (strcmp(path, "/api/health") == 0) return handle_health(req, reply);
    if (strcmp(path, "/api/profiles") == 0) return handle_list(reg, req, reply);
    if (pv_api_function_route(path)) return pv_api_function_handle(reg, req, reply);

    char seg[3][PV_API_SEGMENT_MAX];
    int n = pv_api_split_path(path + 14, seg, 3);
    if (n < 1)
        return pv_api_reply_error(reply, 404, "no such API endpoint: %.*s", pv_api_clip(path, 100),
                                  path);
    bool route_ok = n == 1 ||
                    (n == 2 && (strcmp(seg[1], "functions") == 0 || strcmp(seg[1], "tree") == 0)) ||
                    (n == 3 && strcmp(seg[1], "functions") == 0);
    if (!route_ok)
        return pv_api_reply_error(reply, 404, "no such API endpoint: %.*s", pv_api_clip(path, 100),
                                  path);

    const pv_registry_entry *entry = pv_registry_acquire(reg, seg[0]);
    if (!entry) return pv_api_reply_error(reply, 404, "no profile with id %s", seg[0]);
    int rc;
    if (n == 1)
        rc = handle_profile(entry, reply);
    else if (n == 3)
        rc = handle_function(entry, seg[2], reply);
    else if (strcmp(seg[1], "functions") == 0)
        rc = handle_functions(entry, req, reply);
    else
        rc = pv_api_tree_reply(entry, req, reply);
    pv_registry_release(reg, entry);
    return rc;
}
