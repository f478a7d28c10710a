/* api.c: routes under /api, parameter parsing, and the model as JSON.
 *
 * Each handler builds a cJSON tree and returns it (NULL when out of memory);
 * strings from the profile are added by reference, not copied, since the
 * registry entry stays acquired until the body is printed. Numbers go through
 * pv_json_double (json.h) so that every double reads back exactly.
 */
#include "api.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calltree.h"
#include "json.h"
#include "status.h"
#include "text.h"

/* ---- Replies ------------------------------------------------------------ */

/* Fills reply with {"error": message} and status. Returns 0, or -1 when out of
 * memory. */
static int reply_error(pv_api_reply *reply, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reply_error(pv_api_reply *reply, unsigned status, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    reply->status = status;
    reply->body = NULL;
    reply->len = 0;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "error", message)) {
        cJSON_Delete(o);
        reply->status = 500;
        return -1;
    }
    reply->body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!reply->body) {
        reply->status = 500;
        return -1;
    }
    reply->len = strlen(reply->body);
    return 0;
}

/* Fills reply with err as {"error": message} and the status of its kind.
 * Returns 0, or -1 when out of memory. */
static int reply_fail(pv_api_reply *reply, const pv_error *err)
{
    char message[PV_ERROR_MESSAGE_MAX + 32];
    pv_error_format(err, message, sizeof message);
    return reply_error(reply, pv_status_of(err->kind), "%s", message);
}

/* Prints json (and deletes it) into reply with status 200; NULL json means
 * out of memory. Returns 0, or -1 when out of memory. */
static int reply_json(pv_api_reply *reply, cJSON *json)
{
    if (!json) return reply_error(reply, 500, "out of memory");
    char *text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    if (!text) return reply_error(reply, 500, "out of memory");
    reply->status = 200;
    reply->body = text;
    reply->len = strlen(text);
    return 0;
}

/* ---- JSON helpers: each returns false when out of memory ------------------ */

static bool add_item(cJSON *o, const char *key, cJSON *item)
{
    if (!item) return false;
    if (!cJSON_AddItemToObjectCS(o, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* A number, or null when it is NAN or infinite (what pstats leaves blank). */
static bool add_num(cJSON *o, const char *key, double v)
{
    return add_item(o, key, pv_json_double(v));
}

/* An integer, printed without going through floating point (most numbers of
 * a tree are ids, lines and counts; this keeps them cheap). */
static cJSON *int_item(int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return cJSON_CreateRaw(buf);
}

static bool add_int(cJSON *o, const char *key, int64_t v)
{
    return add_item(o, key, int_item(v));
}

static bool add_ref(cJSON *o, const char *key, const char *s)
{
    return add_item(o, key, cJSON_CreateStringReference(s));
}

static bool add_bool(cJSON *o, const char *key, bool v)
{
    return add_item(o, key, cJSON_CreateBool(v));
}

static bool append(cJSON *array, cJSON *item)
{
    if (!item) return false;
    if (!cJSON_AddItemToArray(array, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

static double ratio(double num, int64_t den)
{
    return den > 0 ? num / (double)den : NAN;
}

/* The pstats numbers of a row: calls, times and per-call times. */
static bool add_numbers(cJSON *o, int64_t ncalls, int64_t pcalls, double tottime, double cumtime)
{
    return add_int(o, "ncalls", ncalls) && add_int(o, "pcalls", pcalls) &&
           add_num(o, "tottime", tottime) &&
           add_num(o, "tottime_percall", ratio(tottime, ncalls)) &&
           add_num(o, "cumtime", cumtime) && add_num(o, "cumtime_percall", ratio(cumtime, pcalls));
}

static bool add_identity(cJSON *o, const pv_profile *p, uint32_t id)
{
    const pv_function *f = &p->functions[id];
    return add_int(o, "id", id) && add_ref(o, "file", f->file) && add_int(o, "line", f->line) &&
           add_ref(o, "name", f->name);
}

/* A row of the function table, or NULL when out of memory. */
static cJSON *function_row(const pv_profile *p, uint32_t id)
{
    const pv_function *f = &p->functions[id];
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_identity(o, p, id) ||
        !add_numbers(o, f->ncalls, f->pcalls, f->tottime, f->cumtime)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The other function of an edge with the edge's own numbers. */
static cJSON *edge_row(const pv_profile *p, const pv_edge *e, uint32_t other)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_identity(o, p, other) ||
        !add_numbers(o, e->ncalls, e->pcalls, e->tottime, e->cumtime)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Writes t (seconds since 1970) as ISO 8601 UTC, "2026-11-25T10:33:00Z". */
static void iso_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, size, "1970-01-01T00:00:00Z");
}

/* The summary of a profile (the entry's summary fields only, so it works on
 * copies whose profile is evicted), or NULL when out of memory. */
static cJSON *summary(const pv_registry_entry *entry)
{
    char modified[32];
    iso_time(entry->modified, modified, sizeof modified);
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_item(o, "id", cJSON_CreateString(entry->id)) ||
        !add_ref(o, "name", entry->name) || !add_int(o, "functions", entry->functions) ||
        !add_int(o, "total_calls", entry->total_calls) ||
        !add_int(o, "primitive_calls", entry->primitive_calls) ||
        !add_num(o, "total_time", entry->total_time) ||
        !add_int(o, "size", (int64_t)entry->bytes) ||
        !add_item(o, "modified", cJSON_CreateString(modified))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- Parameters ----------------------------------------------------------- */

/* The length to echo of a parameter value in a message: at most 40 bytes,
 * cut at a character boundary (for "%.*s"). */
static int echo_len(const char *v)
{
    size_t n = strnlen(v, 40);
    return (int)pv_utf8_prefix_len(v, n);
}

/* Fetches parameter name. Returns 1 with *value set, 0 when absent, -1 (with
 * perr filled) when it holds a NUL byte. */
static int get_param(const pv_api_request *req, const char *name, const char **value,
                     pv_error *perr)
{
    size_t len = 0;
    if (!req->arg || !req->arg(req->arg_ctx, name, value, &len)) return 0;
    if (strlen(*value) != len) {
        pv_fail(perr, PV_ERR_ARGUMENT, -1, "bad parameter '%s': it contains a NUL byte", name);
        return -1;
    }
    return 1;
}

/* Parses a whole decimal integer (digits only, optional leading '-'). */
static bool parse_int(const char *s, long long *out)
{
    if (!*s) return false;
    const char *digits = *s == '-' ? s + 1 : s;
    if (*digits < '0' || *digits > '9') return false;
    for (const char *c = digits; *c; c++)
        if (*c < '0' || *c > '9') return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

/* Reads integer parameter name into *out (unchanged when absent). Returns 0,
 * or -1 with perr filled when malformed or outside [min, max]. */
static int int_param(const pv_api_request *req, const char *name, long long min, long long max,
                     long long *out, pv_error *perr)
{
    const char *v = NULL;
    int got = get_param(req, name, &v, perr);
    if (got <= 0) return got;
    long long n = 0;
    if (!parse_int(v, &n) || n < min || n > max) {
        pv_fail(perr, PV_ERR_ARGUMENT, -1,
                "bad parameter '%s': expected an integer from %lld to %lld, got \"%.*s\"", name,
                min, max, echo_len(v), v);
        return -1;
    }
    *out = n;
    return 0;
}

/* Reads a number parameter from [0, 1] into *out (unchanged when absent).
 * Returns 0, or -1 with perr filled. */
static int fraction_param(const pv_api_request *req, const char *name, double *out, pv_error *perr)
{
    const char *v = NULL;
    int got = get_param(req, name, &v, perr);
    if (got <= 0) return got;
    bool ok = (*v >= '0' && *v <= '9') || *v == '.';
    char *end = NULL;
    double d = ok ? strtod(v, &end) : 0;
    if (!ok || *end || !isfinite(d) || d < 0 || d > 1) {
        pv_fail(perr, PV_ERR_ARGUMENT, -1,
                "bad parameter '%s': expected a number from 0 to 1, got \"%.*s\"", name,
                echo_len(v), v);
        return -1;
    }
    *out = d;
    return 0;
}

/* ---- Handlers --------------------------------------------------------------- */

static int handle_health(const pv_api_request *req, pv_api_reply *reply)
{
    cJSON *o = cJSON_CreateObject();
    if (o && (!add_ref(o, "status", "ok") || !add_ref(o, "version", PROFVIZ_VERSION) ||
              !add_bool(o, "uploads", req->uploads))) {
        cJSON_Delete(o);
        o = NULL;
    }
    return reply_json(reply, o);
}

static int handle_list(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply)
{
    pv_registry_entry *list = NULL;
    size_t n = 0;
    pv_error err;
    if (pv_registry_list(reg, req->uploads, &list, &n, &err) < 0) return reply_fail(reply, &err);
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; array && i < n; i++) {
        if (!append(array, summary(&list[i]))) {
            cJSON_Delete(array);
            array = NULL;
        }
    }
    /* Print before freeing: names are referenced, not copied. */
    int rc = reply_json(reply, array);
    pv_registry_list_free(list, n);
    return rc;
}

int pv_api_error_reply(unsigned status, const char *message, pv_api_reply *reply)
{
    return reply_error(reply, status, "%s", message);
}

int pv_api_summary_reply(pv_registry *reg, const char *id, unsigned status, pv_api_reply *reply)
{
    reply->body = NULL;
    reply->len = 0;
    pv_registry_entry *list = NULL;
    size_t n = 0;
    pv_error err;
    if (pv_registry_list(reg, false, &list, &n, &err) < 0) return reply_fail(reply, &err);
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].id, id) == 0) {
            rc = reply_json(reply, summary(&list[i]));
            reply->status = status;
            break;
        }
    }
    if (rc < 0 && !reply->body) rc = reply_error(reply, 404, "no profile with id %.20s", id);
    pv_registry_list_free(list, n);
    return rc;
}

static int handle_profile(const pv_registry_entry *entry, pv_api_reply *reply)
{
    const pv_profile *p = entry->profile;
    cJSON *o = summary(entry);
    cJSON *roots = cJSON_CreateArray();
    bool ok = o && roots;
    for (uint32_t i = 0; ok && i < p->nroots; i++)
        ok = append(roots, function_row(p, p->roots[i]));
    if (ok) {
        ok = add_item(o, "roots", roots);
        roots = NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(roots);
        o = NULL;
    }
    return reply_json(reply, o);
}

static int handle_functions(const pv_registry_entry *entry, const pv_api_request *req,
                            pv_api_reply *reply)
{
    pv_error perr;
    pv_function_query query = {.sort = PV_SORT_CUMTIME, .descending = true};
    const char *v = NULL;
    int got = get_param(req, "sort", &v, &perr);
    if (got < 0) return reply_fail(reply, &perr);
    if (got) {
        int key = pv_registry_sort_key_from_name(v);
        if (key < 0)
            return reply_error(reply, 400,
                               "bad parameter 'sort': expected tottime, cumtime, ncalls, pcalls, "
                               "name, file, tottime_percall or cumtime_percall, got \"%.*s\"",
                               echo_len(v), v);
        query.sort = (pv_sort_key)key;
        query.descending = key != PV_SORT_NAME && key != PV_SORT_FILE;
    }
    got = get_param(req, "order", &v, &perr);
    if (got < 0) return reply_fail(reply, &perr);
    if (got) {
        if (strcmp(v, "asc") == 0)
            query.descending = false;
        else if (strcmp(v, "desc") == 0)
            query.descending = true;
        else
            return reply_error(reply, 400,
                               "bad parameter 'order': expected asc or desc, got \"%.*s\"",
                               echo_len(v), v);
    }
    got = get_param(req, "q", &v, &perr);
    if (got < 0) return reply_fail(reply, &perr);
    if (got) {
        if (strlen(v) > PV_API_MAX_QUERY)
            return reply_error(reply, 400, "bad parameter 'q': longer than %d bytes",
                               PV_API_MAX_QUERY);
        query.q = v;
    }
    long long offset = 0, limit = PV_API_DEFAULT_LIMIT;
    if (int_param(req, "offset", 0, INT64_MAX, &offset, &perr) < 0 ||
        int_param(req, "limit", 0, PV_API_MAX_LIMIT, &limit, &perr) < 0)
        return reply_fail(reply, &perr);
    query.offset = (unsigned long long)offset > SIZE_MAX ? SIZE_MAX : (size_t)offset;
    query.limit = (size_t)limit;

    uint32_t *ids = NULL;
    size_t nids = 0, total = 0;
    pv_error err;
    if (pv_registry_query_functions(entry, &query, &ids, &nids, &total, &err) < 0)
        return reply_fail(reply, &err);
    cJSON *o = cJSON_CreateObject();
    cJSON *rows = cJSON_CreateArray();
    bool ok = o && rows && add_int(o, "total", (int64_t)total);
    for (size_t i = 0; ok && i < nids; i++)
        ok = append(rows, function_row(entry->profile, ids[i]));
    free(ids);
    if (ok) {
        ok = add_item(o, "rows", rows);
        rows = NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(rows);
        o = NULL;
    }
    return reply_json(reply, o);
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
static cJSON *edge_list(const pv_profile *p, const pv_edge **edges, size_t n, bool callers)
{
    qsort(edges, n, sizeof *edges, compare_edges);
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; array && i < n; i++) {
        uint32_t other = callers ? edges[i]->caller : edges[i]->callee;
        if (!append(array, edge_row(p, edges[i], other))) {
            cJSON_Delete(array);
            array = NULL;
        }
    }
    return array;
}

/* Parses a function id segment: decimal digits naming a function of p. */
static bool parse_function_id(const pv_profile *p, const char *s, uint32_t *out)
{
    long long v = 0;
    if (*s == '-' || !parse_int(s, &v) || v >= (long long)p->nfunctions) return false;
    *out = (uint32_t)v;
    return true;
}

static int handle_function(const pv_registry_entry *entry, const char *fid_text,
                           pv_api_reply *reply)
{
    const pv_profile *p = entry->profile;
    uint32_t fid = 0;
    if (!parse_function_id(p, fid_text, &fid))
        return reply_error(reply, 404, "no function %.*s in profile %s", echo_len(fid_text),
                           fid_text, entry->id);
    const pv_function *f = &p->functions[fid];
    size_t n = (size_t)f->ncallers + f->ncallees;
    const pv_edge **edges = malloc((n ? n : 1) * sizeof *edges);
    if (!edges) return reply_error(reply, 500, "out of memory");
    for (uint32_t i = 0; i < f->ncallers; i++)
        edges[i] = &p->edges[f->first_caller + i];
    for (uint32_t i = 0; i < f->ncallees; i++)
        edges[f->ncallers + i] = &p->edges[p->callee_edges[f->first_callee + i]];

    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_item(o, "function", function_row(p, fid)) &&
              add_item(o, "callers", edge_list(p, edges, f->ncallers, true)) &&
              add_item(o, "callees", edge_list(p, edges + f->ncallers, f->ncallees, false));
    free(edges);
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    return reply_json(reply, o);
}

/* Parses "ID,ID,..." ("" is the empty path) into a new array. Returns 0 (with
 * *ids NULL for an empty path), or -1 with perr filled. */
static int parse_path(const char *s, int64_t **ids, size_t *n, pv_error *perr)
{
    *ids = NULL;
    *n = 0;
    if (!*s) return 0;
    size_t count = 1;
    for (const char *c = s; *c; c++)
        count += *c == ',';
    if (count > PV_API_MAX_PATH) {
        pv_fail(perr, PV_ERR_ARGUMENT, -1, "bad parameter 'path': more than %d steps",
                PV_API_MAX_PATH);
        return -1;
    }
    int64_t *out = malloc(count * sizeof *out);
    if (!out) {
        pv_fail(perr, PV_ERR_NOMEM, -1, "out of memory");
        return -1;
    }
    const char *c = s;
    for (size_t i = 0; i < count; i++) {
        int64_t v = 0;
        const char *start = c;
        while (*c >= '0' && *c <= '9' && v <= UINT32_MAX)
            v = v * 10 + (*c++ - '0');
        if (c == start || (*c && *c != ',') || v > UINT32_MAX) {
            pv_fail(perr, PV_ERR_ARGUMENT, -1,
                    "bad parameter 'path': expected function ids separated by commas, "
                    "got \"%.*s\"",
                    echo_len(s), s);
            free(out);
            return -1;
        }
        out[i] = v;
        if (*c == ',') c++;
    }
    *ids = out;
    *n = count;
    return 0;
}

/* The node at index i of tree and all its descendants. */
static cJSON *tree_node(const pv_profile *p, const pv_tree *tree, size_t i)
{
    const pv_tree_node *node = &tree->nodes[i];
    cJSON *o = cJSON_CreateObject();
    cJSON *children = cJSON_CreateArray();
    bool ok = o && children;
    if (ok && node->func == PV_TREE_SYNTHETIC_ROOT) {
        ok = add_int(o, "id", -1) && add_ref(o, "name", "<all roots>") && add_ref(o, "file", "") &&
             add_int(o, "line", 0);
    } else if (ok) {
        const pv_function *f = &p->functions[node->func];
        ok = add_int(o, "id", node->func) && add_ref(o, "name", f->name) &&
             add_ref(o, "file", f->file) && add_int(o, "line", f->line);
    }
    ok = ok && add_num(o, "time", node->time) && add_int(o, "calls", node->calls) &&
         add_bool(o, "exact", node->exact);
    for (uint32_t c = 0; ok && c < node->nchildren; c++)
        ok = append(children, tree_node(p, tree, (size_t)node->first_child + c));
    if (ok) {
        ok = add_item(o, "children", children);
        children = NULL;
    }
    ok = ok && add_bool(o, "more", node->more);
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(children);
        return NULL;
    }
    return o;
}

static int handle_tree(const pv_registry_entry *entry, const pv_api_request *req,
                       pv_api_reply *reply)
{
    pv_error perr;
    pv_tree_request treq;
    pv_tree_request_defaults(&treq);
    long long depth = treq.depth, max_nodes = (long long)treq.max_nodes;
    if (int_param(req, "depth", 0, PV_API_MAX_DEPTH, &depth, &perr) < 0 ||
        int_param(req, "max_nodes", 1, PV_API_MAX_NODES, &max_nodes, &perr) < 0 ||
        fraction_param(req, "cutoff", &treq.cutoff, &perr) < 0)
        return reply_fail(reply, &perr);
    treq.depth = (int)depth;
    treq.max_nodes = (size_t)max_nodes;

    int64_t *path = NULL;
    size_t path_len = 0;
    const char *v = NULL;
    int got = get_param(req, "path", &v, &perr);
    if (got < 0 || (got && parse_path(v, &path, &path_len, &perr) < 0))
        return reply_fail(reply, &perr);
    treq.path = path;
    treq.path_len = path_len;

    pv_tree *tree = NULL;
    pv_error err;
    int rc = pv_tree_build(entry->profile, &treq, &tree, &err);
    free(path);
    if (rc < 0) {
        if (err.kind == PV_ERR_NOT_FOUND) pv_error_prefix(&err, "bad path: ");
        return reply_fail(reply, &err);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *json_path = cJSON_CreateArray();
    bool ok = o && json_path;
    for (size_t i = 0; ok && i < tree->path_len; i++)
        ok = append(json_path, int_item(tree->path[i]));
    if (ok) {
        ok = add_item(o, "path", json_path);
        json_path = NULL;
    }
    ok = ok && tree->nnodes > 0 && add_item(o, "root", tree_node(entry->profile, tree, 0));
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(json_path);
        o = NULL;
    }
    rc = reply_json(reply, o);
    pv_tree_free(tree);
    return rc;
}

/* ---- Routing ---------------------------------------------------------------- */

/* Splits the path after "/api/profiles/" into at most 3 segments. Returns the
 * number of segments, or -1 when there are more or one is empty. */
static int split(const char *rest, char seg[3][64])
{
    int n = 0;
    while (*rest) {
        if (n == 3) return -1;
        const char *slash = strchr(rest, '/');
        size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
        if (len == 0 || len >= 64) return -1;
        memcpy(seg[n], rest, len);
        seg[n][len] = '\0';
        n++;
        rest += len;
        if (*rest == '/') {
            rest++;
            if (!*rest) return -1; /* trailing slash */
        }
    }
    return n;
}

int pv_api_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply)
{
    reply->status = 500;
    reply->body = NULL;
    reply->len = 0;
    const char *path = req->path;
    bool known = strcmp(path, "/api/health") == 0 || strcmp(path, "/api/profiles") == 0 ||
                 strncmp(path, "/api/profiles/", 14) == 0;
    if (!known) return reply_error(reply, 404, "no such API endpoint: %.100s", path);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return reply_error(reply, 405, "method %.20s is not allowed here; use GET", req->method);
    if (strcmp(path, "/api/health") == 0) return handle_health(req, reply);
    if (strcmp(path, "/api/profiles") == 0) return handle_list(reg, req, reply);

    char seg[3][64];
    int n = split(path + 14, seg);
    if (n < 1) return reply_error(reply, 404, "no such API endpoint: %.100s", path);
    bool route_ok = n == 1 ||
                    (n == 2 && (strcmp(seg[1], "functions") == 0 || strcmp(seg[1], "tree") == 0)) ||
                    (n == 3 && strcmp(seg[1], "functions") == 0);
    if (!route_ok) return reply_error(reply, 404, "no such API endpoint: %.100s", path);

    const pv_registry_entry *entry = pv_registry_acquire(reg, seg[0]);
    if (!entry) return reply_error(reply, 404, "no profile with id %s", seg[0]);
    int rc;
    if (n == 1)
        rc = handle_profile(entry, reply);
    else if (n == 3)
        rc = handle_function(entry, seg[2], reply);
    else if (strcmp(seg[1], "functions") == 0)
        rc = handle_functions(entry, req, reply);
    else
        rc = handle_tree(entry, req, reply);
    pv_registry_release(reg, entry);
    return rc;
}
