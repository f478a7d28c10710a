/* api_compare.c: /api/compare (the comparison table) and /api/compare/tree
 * (NEW's call tree with BASE's time at each place), see api_compare.h.
 *
 * The parameters are read and answered with api_params.h (limits from
 * api.h), as for every other endpoint. A table page is a walk over a cached
 * sort order, skipping rows that the filter leaves out, or, near the top of
 * an order not made yet, the rows pv_compare_top finds without it; the
 * filter marks the functions of each profile whose name or file holds q,
 * with the comparison's search texts (search.h). */
#include "api_compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api_params.h"
#include "compare.h"
#include "compare_cache.h"
#include "compare_json.h"
#include "json.h"

/* ---- Shared by both endpoints ----------------------------------------------- */

typedef struct pair {
    pv_registry *reg;
    pv_compare_cache *k;
    const pv_registry_entry *e[2];
    pv_compare_cached *c;
    const pv_compare *cmp; /* c's */
} pair;

static void pair_release(pair *p)
{
    if (p->k) pv_compare_cache_release(p->k, p->reg, p->c);
    for (int s = 0; s < 2; s++)
        pv_registry_release(p->reg, p->e[s]);
}

/* Acquires base= and new= and their comparison. Returns 0, or -1 with the
 * error already in reply (rc set to what the handler returns). */
static int pair_acquire(pv_registry *reg, const pv_api_request *req, pair *p, pv_api_reply *reply,
                        int *rc)
{
    static const char *const names[2] = {"base", "new"};
    pv_error err;
    memset(p, 0, sizeof *p);
    p->reg = reg;
    for (int s = 0; s < 2; s++) {
        const char *v = NULL;
        int got = pv_api_get_param(req, names[s], &v, &err);
        if (got == 0)
            pv_fail(&err, PV_ERR_ARGUMENT, -1, "missing parameter '%s': a profile id", names[s]);
        if (got <= 0) {
            *rc = pv_api_reply_fail(reply, &err);
            pair_release(p);
            return -1;
        }
        p->e[s] = pv_registry_acquire(reg, v);
        if (!p->e[s]) {
            *rc = pv_api_reply_error(reply, 404, "no profile with id %.*s", pv_api_echo_len(v), v);
            pair_release(p);
            return -1;
        }
    }
    p->k = pv_compare_cache_of(reg);
    if (!p->k)
        pv_fail(&err, PV_ERR_NOMEM, -1, "out of memory");
    else
        p->c = pv_compare_cache_acquire(p->k, reg, p->e[0], p->e[1], &err);
    if (p->c) p->cmp = pv_compare_cached_comparison(p->c);
    if (!p->c || !pv_compare_fits(p->cmp, p->e[0]->profile, p->e[1]->profile)) {
        if (p->c) pv_fail(&err, PV_ERR_NOMEM, -1, "comparison cache out of step");
        *rc = pv_api_reply_fail(reply, &err);
        pair_release(p);
        return -1;
    }
    return 0;
}

/* ---- /api/compare ------------------------------------------------------------ */

static int handle_table(const pair *p, const pv_api_request *req, pv_api_reply *reply)
{
    pv_error err;
    pv_compare_key key = PV_CKEY_CHANGE;
    const char *v = NULL;
    int got = pv_api_get_param(req, "sort", &v, &err);
    if (got < 0) return pv_api_reply_fail(reply, &err);
    if (got) {
        int k = pv_compare_key_from_name(v);
        if (k < 0)
            return pv_api_reply_error(
                reply, 400,
                "bad parameter 'sort': expected change, cumchange, tottime_change, "
                "cumtime_change, ncalls_change, ratio, cumratio, base_tottime, "
                "new_tottime, base_cumtime, new_cumtime, base_ncalls, new_ncalls, "
                "name or file, got \"%.*s\"",
                pv_api_echo_len(v), v);
        key = (pv_compare_key)k;
    }
    static const char *const orders[] = {"asc", "desc"};
    static const char *const modes[] = {"absolute", "normalised"};
    int desc = key != PV_CKEY_NAME && key != PV_CKEY_FILE, mode = PV_COMPARE_ABSOLUTE;
    long long offset = 0, limit = PV_API_DEFAULT_LIMIT;
    const char *q = NULL;
    if (pv_api_word_param(req, "order", orders, 2, "asc or desc", &desc, &err) < 0 ||
        pv_api_word_param(req, "mode", modes, 2, "absolute or normalised", &mode, &err) < 0 ||
        pv_api_int_param(req, "offset", 0, INT64_MAX, &offset, &err) < 0 ||
        pv_api_int_param(req, "limit", 0, PV_API_MAX_LIMIT, &limit, &err) < 0 ||
        (got = pv_api_get_param(req, "q", &q, &err)) < 0)
        return pv_api_reply_fail(reply, &err);
    if (q && strlen(q) > PV_API_MAX_QUERY)
        return pv_api_reply_error(reply, 400, "bad parameter 'q': longer than %d bytes",
                                  PV_API_MAX_QUERY);
    if (q && !*q) q = NULL;

    const pv_profile *b = p->e[0]->profile, *n = p->e[1]->profile;
    const pv_compare *cmp = p->cmp;
    /* The order made already; else the first rows found without it (a
     * page near the top), or the order made now (or waited for). */
    const uint32_t *order =
        pv_compare_cache_ready(p->k, p->c, key, (pv_compare_mode)mode, (bool)desc);
    unsigned long long want = (unsigned long long)offset + (unsigned long long)limit;
    bool top = !order && want <= PV_API_COMPARE_TOP_ROWS;
    if (!order && !top) {
        order = pv_compare_cache_order(p->k, p->reg, p->c, p->e[0], p->e[1], key,
                                       (pv_compare_mode)mode, desc, &err);
        if (!order) return pv_api_reply_fail(reply, &err);
    }
    unsigned char *hit[2] = {NULL, NULL};
    if (q) {
        /* The comparison's search texts: no index to wait for. */
        const pv_search *search[2];
        hit[0] = calloc(b->nfunctions ? b->nfunctions : 1, 1);
        hit[1] = calloc(n->nfunctions ? n->nfunctions : 1, 1);
        if (!hit[0] || !hit[1]) pv_fail(&err, PV_ERR_NOMEM, -1, "out of memory");
        if (!hit[0] || !hit[1] ||
            !pv_compare_cache_search(p->k, p->reg, p->c, p->e[0], p->e[1], search, &err) ||
            pv_search_mark(search[0], q, hit[0], &err) < 0 ||
            pv_search_mark(search[1], q, hit[1], &err) < 0) {
            free(hit[0]);
            free(hit[1]);
            return pv_api_reply_fail(reply, &err);
        }
    }
    /* The page's rows first (the total comes before them in the answer). */
    uint32_t *page = malloc((top ? (size_t)want : (size_t)limit) * sizeof *page + 1);
    size_t matched = 0, npage = 0;
    int rc = page ? 0 : pv_fail(&err, PV_ERR_NOMEM, -1, "out of memory");
    if (rc == 0 && top) {
        const unsigned char *const *kept = q ? (const unsigned char *const *)hit : NULL;
        size_t nout = 0;
        rc = pv_compare_top(cmp, b, n, key, (pv_compare_mode)mode, desc, kept, (size_t)want, page,
                            &nout, &matched, &err);
        npage = nout > (size_t)offset ? nout - (size_t)offset : 0;
        if (npage) memmove(page, page + offset, npage * sizeof *page);
    }
    for (size_t i = 0; rc == 0 && !top && i < cmp->nrows; i++) {
        const pv_compare_row *row = &cmp->rows[order[i]];
        if (q && !(row->base != PV_COMPARE_NONE && hit[0][row->base]) &&
            !(row->new_ != PV_COMPARE_NONE && hit[1][row->new_]))
            continue;
        if (matched >= (unsigned long long)offset && matched - offset < (unsigned long long)limit)
            page[npage++] = order[i];
        matched++;
        if (!q && matched >= want) {
            matched = cmp->nrows; /* unfiltered: every row matches */
            break;
        }
    }
    free(hit[0]);
    free(hit[1]);
    if (rc < 0) {
        free(page);
        return pv_api_reply_fail(reply, &err);
    }
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key(&w, "base");
    pv_compare_json_summary(&w, p->e[0]);
    pv_json_key(&w, "new");
    pv_compare_json_summary(&w, p->e[1]);
    pv_json_key_cstring(&w, "mode", modes[mode]);
    pv_json_key_cstring(&w, "sort", pv_compare_key_name(key));
    pv_json_key_cstring(&w, "order", orders[desc]);
    pv_compare_json_totals(&w, b, n);
    pv_json_key(&w, "counts");
    pv_compare_json_counts(&w, cmp);
    pv_json_key_int(&w, "total", (int64_t)matched);
    pv_json_key(&w, "rows");
    pv_json_begin_array(&w);
    for (size_t i = 0; i < npage; i++)
        pv_compare_json_row(&w, cmp, b, n, page[i], (pv_compare_mode)mode);
    pv_json_end_array(&w);
    pv_json_end_object(&w);
    free(page);
    return pv_api_reply_json(reply, &w);
}

/* ---- /api/compare/tree ------------------------------------------------------- */

typedef struct tree_out {
    const pv_profile *p;
    const pv_tree *tree;
    const pv_compare_place *places;
    bool from_base;
} tree_out;

static void put_place(pv_json *w, const pv_compare_place *pl)
{
    if (!pl->present) {
        pv_json_null(w);
        return;
    }
    pv_json_begin_object(w);
    pv_json_key_double(w, "time", pl->time);
    pv_json_key_int(w, "calls", pl->calls);
    pv_json_key_bool(w, "exact", pl->exact);
    pv_json_end_object(w);
}

static void put_tree_node(pv_json *w, const tree_out *t, size_t i)
{
    const pv_tree_node *node = &t->tree->nodes[i];
    const pv_compare_place *pl = &t->places[i];
    const char *name = "<all roots>", *file = "";
    int64_t line = 0;
    if (node->func != PV_TREE_SYNTHETIC_ROOT) {
        const pv_function *f = &t->p->functions[node->func];
        name = f->name;
        file = f->file;
        line = f->line;
    }
    /* change is NEW - BASE whichever tree this is. */
    double change = !pl->present   ? NAN
                    : t->from_base ? pl->time - node->time
                                   : node->time - pl->time;
    pv_json_begin_object(w);
    pv_json_key_int(w, "id", node->func);
    pv_json_key_cstring(w, "name", name);
    pv_json_key_cstring(w, "file", file);
    pv_json_key_int(w, "line", line);
    pv_json_key_double(w, "time", node->time);
    pv_json_key_int(w, "calls", node->calls);
    pv_json_key_bool(w, "exact", node->exact);
    pv_json_key(w, t->from_base ? "new" : "base");
    put_place(w, pl);
    pv_json_key_double(w, "change", change);
    pv_json_key_bool(w, "uncertain", pl->present && !(node->exact && pl->exact));
    pv_json_key(w, "children");
    pv_json_begin_array(w);
    for (uint32_t c = 0; c < node->nchildren && !pv_json_failed(w); c++)
        put_tree_node(w, t, (size_t)node->first_child + c);
    pv_json_end_array(w);
    pv_json_key_bool(w, "more", node->more);
    pv_json_end_object(w);
}

static void put_ids(pv_json *w, const int64_t *ids, size_t n)
{
    pv_json_begin_array(w);
    for (size_t i = 0; i < n; i++)
        pv_json_int(w, ids[i]);
    pv_json_end_array(w);
}

static int handle_tree(const pair *p, const pv_api_request *req, pv_api_reply *reply)
{
    pv_error err;
    static const char *const sides[] = {"new", "base"};
    int from_base = 0;
    pv_tree_request treq;
    if (pv_api_word_param(req, "side", sides, 2, "new or base", &from_base, &err) < 0 ||
        pv_api_tree_params(req, &treq, &err) < 0)
        return pv_api_reply_fail(reply, &err);
    const pv_profile *shown = p->e[from_base ? 0 : 1]->profile;
    pv_tree *tree = NULL;
    int rc = pv_tree_build(shown, &treq, &tree, &err);
    free((void *)treq.path);
    treq.path = NULL; /* only its cutoff is read from here on */
    treq.path_len = 0;
    if (rc < 0) {
        if (err.kind == PV_ERR_NOT_FOUND) pv_error_prefix(&err, "bad path: ");
        return pv_api_reply_fail(reply, &err);
    }
    pv_compare_place *places = NULL;
    int64_t *other_path = NULL;
    size_t other_len = 0;
    if (pv_compare_tree_places(p->cmp, p->e[0]->profile, p->e[1]->profile, from_base, tree, &treq,
                               &places, &other_path, &other_len, &err) < 0) {
        pv_tree_free(tree);
        return pv_api_reply_fail(reply, &err);
    }
    tree_out t = {shown, tree, places, from_base};
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_cstring(&w, "base", p->e[0]->id);
    pv_json_key_cstring(&w, "new", p->e[1]->id);
    pv_json_key_cstring(&w, "side", sides[from_base]);
    pv_json_key(&w, "path");
    put_ids(&w, tree->path, tree->path_len);
    /* The same place in the other profile: null when it has none. */
    pv_json_key(&w, "other_path");
    if (tree->path_len && !other_path)
        pv_json_null(&w);
    else
        put_ids(&w, other_path, tree->path_len ? other_len : 0);
    if (tree->nnodes > 0) {
        pv_json_key(&w, "root");
        put_tree_node(&w, &t, 0);
    }
    pv_json_end_object(&w);
    rc = pv_api_reply_json(reply, &w);
    free(places);
    free(other_path);
    pv_tree_free(tree);
    return rc;
}

/* ---- Routing ------------------------------------------------------------------ */

bool pv_api_compare_route(const char *path)
{
    return strcmp(path, "/api/compare") == 0 || strcmp(path, "/api/compare/tree") == 0 ||
           strcmp(path, "/api/compare/function") == 0;
}

int pv_api_compare_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply)
{
    reply->status = 500;
    reply->body = NULL;
    reply->len = 0;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return pv_api_reply_error(reply, 405, "method %.*s is not allowed here; use GET",
                                  pv_api_echo_len(req->method), req->method);
    pair p;
    int rc = 0;
    if (pair_acquire(reg, req, &p, reply, &rc) < 0) return rc;
    if (strcmp(req->path, "/api/compare") == 0)
        rc = handle_table(&p, req, reply);
    else if (strcmp(req->path, "/api/compare/function") == 0)
        rc = pv_api_compare_function(p.cmp, p.e[0], p.e[1], req, reply);
    else
        rc = handle_tree(&p, req, reply);
    /* The comparison is answered: a filter or a page past the top may come
     * next. What they need is made in the background meanwhile (after the
     * answer, which it would slow down). */
    pv_compare_cache_prepare(p.k, reg, p.c, p.e[0], p.e[1]);
    pair_release(&p);
    return rc;
}
