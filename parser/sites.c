/* sites.c: call sites from one large call tree, and from the call chains
 * of one function (sites.h).
 *
 * The tree: one pv_tree_build from the tree root (empty path) with req's
 * budget and cutoff and no depth limit to speak of; each node's parent
 * (children are contiguous) gives the paths of the matching nodes.
 *
 * The chains: a best-first search upward from the function over caller
 * edges (largest estimated share first, no function twice on a chain),
 * stopping at the tree root's function (or at a root under a synthetic
 * root); each chain, reversed, is a path that pv_tree_build checks with
 * depth 0. The search expands at most CHAIN_EXPANSIONS states.
 */
#include "sites.h"

#include <stdlib.h>
#include <string.h>

#define SITES_DEPTH 1000
#define CHAIN_EXPANSIONS 20000
#define CHAIN_MAX_LEN 200

void pv_sites_request_defaults(pv_sites_request *req)
{
    memset(req, 0, sizeof *req);
    req->limit = 100;
    req->max_nodes = 20000;
    req->cutoff = 0.00001;
    req->one = -1;
    req->max_chains = 40;
}

/* A site while collecting: its path is paths[at .. at + len). */
typedef struct item {
    int64_t func;
    double time;
    bool exact;
    pv_tree_why why;
    size_t at, len;
    size_t order; /* tree order, for ties */
} item;

typedef struct list {
    item *items;
    size_t n, cap;
    int64_t *paths;
    size_t plen, pcap;
} list;

static int add_item(list *l, const item *it, const int64_t *path, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        item *n = realloc(l->items, cap * sizeof *n);
        if (!n) return -1;
        l->items = n;
        l->cap = cap;
    }
    if (l->plen + len > l->pcap) {
        size_t cap = l->pcap ? l->pcap : 256;
        while (cap < l->plen + len)
            cap *= 2;
        int64_t *p = realloc(l->paths, cap * sizeof *p);
        if (!p) return -1;
        l->paths = p;
        l->pcap = cap;
    }
    if (len) memcpy(l->paths + l->plen, path, len * sizeof *path);
    l->items[l->n] = *it;
    l->items[l->n].at = l->plen;
    l->items[l->n].len = len;
    l->items[l->n].order = l->n;
    l->n++;
    l->plen += len;
    return 0;
}

static const int64_t *path_at(const list *l, const item *it)
{
    return l->paths + it->at;
}

static bool has_path(const list *l, const int64_t *path, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].len == len &&
            memcmp(path_at(l, &l->items[i]), path, len * sizeof *path) == 0)
            return true;
    return false;
}

/* The path of node i of t into out (room for SITES_DEPTH + t->path_len
 * steps); returns its length. */
static size_t node_path(const pv_tree *t, const uint32_t *parent, uint32_t i, int64_t *out)
{
    size_t depth = 0;
    for (uint32_t k = i; k != 0; k = parent[k])
        depth++;
    size_t len = t->path_len + depth;
    if (t->path_len) memcpy(out, t->path, t->path_len * sizeof *out);
    size_t at = len;
    for (uint32_t k = i; k != 0; k = parent[k])
        out[--at] = t->nodes[k].func;
    return len;
}

/* Adds the matching nodes of the tree from the tree root. */
static int from_tree(const pv_profile *p, const pv_sites_request *req, list *l, pv_sites *s,
                     pv_error *err)
{
    pv_tree_request treq;
    pv_tree_request_defaults(&treq);
    treq.depth = SITES_DEPTH;
    treq.cutoff = req->cutoff;
    treq.max_nodes = req->max_nodes;
    pv_tree *tree = NULL;
    if (pv_tree_build(p, &treq, &tree, err) < 0) return -1;
    uint32_t *parent = malloc((tree->nnodes ? tree->nnodes : 1) * sizeof *parent);
    int64_t *buf = malloc((SITES_DEPTH + 2 + tree->path_len) * sizeof *buf);
    if (!parent || !buf) goto nomem;
    s->tree_nodes = tree->nnodes;
    s->complete = true;
    parent[0] = 0;
    for (size_t i = 0; i < tree->nnodes; i++) {
        const pv_tree_node *nd = &tree->nodes[i];
        if (nd->hidden > 0) s->complete = false;
        for (uint32_t c = 0; c < nd->nchildren; c++)
            parent[nd->first_child + c] = (uint32_t)i;
        if (nd->func < 0 || (uint64_t)nd->func >= p->nfunctions || !req->match[nd->func]) continue;
        size_t len = node_path(tree, parent, (uint32_t)i, buf);
        item it = {.func = nd->func, .time = nd->time, .exact = nd->exact, .why = nd->why};
        if (add_item(l, &it, buf, len) < 0) goto nomem;
    }
    free(parent);
    free(buf);
    pv_tree_free(tree);
    return 0;
nomem:
    free(parent);
    free(buf);
    pv_tree_free(tree);
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
}

/* ---- The chain search ---------------------------------------------------- */

typedef struct state {
    uint32_t func;
    uint32_t up;  /* the state below (towards the function), or UINT32_MAX */
    uint32_t len; /* functions on the chain so far */
    double time;
} state;

typedef struct heap {
    uint32_t *a;
    size_t n, cap;
} heap;

static bool heap_push(heap *h, const state *st, uint32_t i)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        uint32_t *a = realloc(h->a, cap * sizeof *a);
        if (!a) return false;
        h->a = a;
        h->cap = cap;
    }
    size_t k = h->n++;
    while (k > 0 && st[h->a[(k - 1) / 2]].time < st[i].time) {
        h->a[k] = h->a[(k - 1) / 2];
        k = (k - 1) / 2;
    }
    h->a[k] = i;
    return true;
}

static uint32_t heap_pop(heap *h, const state *st)
{
    uint32_t top = h->a[0], last = h->a[--h->n];
    size_t k = 0;
    for (;;) {
        size_t c = 2 * k + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && st[h->a[c + 1]].time > st[h->a[c]].time) c++;
        if (st[h->a[c]].time <= st[last].time) break;
        h->a[k] = h->a[c];
        k = c;
    }
    if (h->n) h->a[k] = last;
    return top;
}

static bool on_chain(const state *st, uint32_t i, uint32_t func)
{
    for (; i != UINT32_MAX; i = st[i].up)
        if (st[i].func == func) return true;
    return false;
}

/* Searches chains of req->one up to the tree root and adds those the tree
 * has (and the list has not). */
static int from_chains(const pv_profile *p, const pv_sites_request *req, list *l, pv_sites *s,
                       pv_error *err)
{
    /* the tree root: a real root function, or the roots under <all roots> */
    pv_tree_request treq;
    pv_tree_request_defaults(&treq);
    treq.depth = 1;
    treq.cutoff = 0;
    treq.max_nodes = (size_t)p->nroots + 2;
    pv_tree *top = NULL;
    if (pv_tree_build(p, &treq, &top, err) < 0) return -1;
    unsigned char *target = calloc(p->nfunctions ? p->nfunctions : 1, 1);
    state *st = malloc(CHAIN_EXPANSIONS * 4 * sizeof *st);
    int64_t *path = malloc(CHAIN_MAX_LEN * sizeof *path);
    heap h = {0};
    size_t nst = 0, checked = 0;
    int rc = -1;
    if (!target || !st || !path) goto nomem;
    if (top->path_len == 1) {
        target[top->path[0]] = 1;
    } else {
        for (uint32_t c = 0; top->nnodes && c < top->nodes[0].nchildren; c++)
            target[top->nodes[top->nodes[0].first_child + c].func] = 1;
    }
    st[nst] = (state){(uint32_t)req->one, UINT32_MAX, 1, p->functions[req->one].cumtime};
    if (!heap_push(&h, st, (uint32_t)nst++)) goto nomem;
    for (size_t expanded = 0; h.n && expanded < CHAIN_EXPANSIONS && checked < req->max_chains;
         expanded++) {
        uint32_t i = heap_pop(&h, st);
        const state cur = st[i];
        if (target[cur.func]) {
            /* the chain, from the root down to the function */
            size_t len = 0;
            for (uint32_t k = i; k != UINT32_MAX; k = st[k].up)
                path[len++] = st[k].func;
            if (has_path(l, path, len)) continue;
            checked++;
            pv_tree_request vreq;
            pv_tree_request_defaults(&vreq);
            vreq.path = path;
            vreq.path_len = len;
            vreq.depth = 0;
            vreq.cutoff = 0;
            vreq.max_nodes = 1;
            pv_tree *t = NULL;
            pv_error verr;
            if (pv_tree_build(p, &vreq, &t, &verr) < 0) {
                if (verr.kind == PV_ERR_NOMEM) goto nomem;
                continue; /* the tree has no such node */
            }
            item it = {.func = req->one,
                       .time = t->nodes[0].time,
                       .exact = t->nodes[0].exact,
                       .why = t->nodes[0].why};
            pv_tree_free(t);
            if (add_item(l, &it, path, len) < 0) goto nomem;
            s->from_chains++;
            continue;
        }
        if (cur.len >= CHAIN_MAX_LEN) continue;
        const pv_function *g = &p->functions[cur.func];
        double denom = g->cumtime, sum = 0;
        for (uint32_t k = 0; k < g->ncallers; k++) {
            const pv_edge *e = &p->edges[g->first_caller + k];
            if (pv_edge_has_times(e)) sum += e->cumtime;
        }
        if (sum > denom) denom = sum;
        for (uint32_t k = 0; k < g->ncallers && nst < CHAIN_EXPANSIONS * 4; k++) {
            const pv_edge *e = &p->edges[g->first_caller + k];
            if (on_chain(st, i, e->caller)) continue;
            double share = pv_edge_has_times(e) ? (denom > 0 ? e->cumtime / denom : 0)
                           : g->ncalls > 0      ? (double)e->ncalls / (double)g->ncalls
                                                : 0;
            st[nst] = (state){e->caller, i, cur.len + 1, cur.time * share};
            if (!heap_push(&h, st, (uint32_t)nst++)) goto nomem;
        }
    }
    rc = 0;
    goto done;
nomem:
    pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
done:
    pv_tree_free(top);
    free(target);
    free(st);
    free(path);
    free(h.a);
    return rc;
}

static int by_time(const void *pa, const void *pb)
{
    const item *a = pa, *b = pb;
    if (a->time != b->time) return a->time > b->time ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

static bool has_prefix(const int64_t *path, size_t len, const int64_t *prefix, size_t plen)
{
    return plen <= len && (plen == 0 || memcmp(path, prefix, plen * sizeof *path) == 0);
}

int pv_sites_find(const pv_profile *profile, const pv_sites_request *req, pv_sites **out,
                  pv_error *err)
{
    *out = NULL;
    if (!req->match) return pv_fail(err, PV_ERR_ARGUMENT, -1, "no functions to find");
    if (req->within_len && !req->within)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "within: %zu steps but no array", req->within_len);
    if (req->one >= (int64_t)profile->nfunctions)
        return pv_fail(err, PV_ERR_NOT_FOUND, -1, "no function with id %lld", (long long)req->one);
    pv_sites *s = calloc(1, sizeof *s);
    list l = {0};
    if (!s) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    if (from_tree(profile, req, &l, s, err) < 0) goto fail;
    if (req->one >= 0 && !s->complete && from_chains(profile, req, &l, s, err) < 0) goto fail;
    if (l.n > 1) qsort(l.items, l.n, sizeof *l.items, by_time);
    s->total = l.n;
    size_t listed = l.n < req->limit ? l.n : req->limit;
    s->sites = calloc(listed ? listed : 1, sizeof *s->sites);
    if (!s->sites) goto nomem;
    for (size_t k = 0; k < l.n; k++) {
        const item *it = &l.items[k];
        bool in =
            req->count_within && has_prefix(path_at(&l, it), it->len, req->within, req->within_len);
        if (in) s->total_within++;
        if (k < listed)
            s->sites[k] = (pv_site){.func = it->func,
                                    .time = it->time,
                                    .exact = it->exact,
                                    .why = it->why,
                                    .within = in,
                                    .path = NULL,
                                    .path_len = it->len};
    }
    /* the listed sites' paths, into storage of their own */
    size_t total_len = 0;
    for (size_t k = 0; k < listed; k++)
        total_len += l.items[k].len;
    s->paths = malloc((total_len ? total_len : 1) * sizeof *s->paths);
    if (!s->paths) goto nomem;
    size_t at = 0;
    for (size_t k = 0; k < listed; k++) {
        memcpy(s->paths + at, path_at(&l, &l.items[k]), l.items[k].len * sizeof *s->paths);
        s->sites[k].path = s->paths + at;
        at += l.items[k].len;
    }
    s->nsites = listed;
    free(l.items);
    free(l.paths);
    *out = s;
    return 0;
nomem:
    pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
fail:
    free(l.items);
    free(l.paths);
    pv_sites_free(s);
    return -1;
}

void pv_sites_free(pv_sites *s)
{
    if (!s) return;
    free(s->sites);
    free(s->paths);
    free(s);
}
