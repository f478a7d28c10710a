/* api_tree.c: the call tree as JSON, nested or compact (api_tree.h). */
#include "api_tree.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_params.h"
#include "calltree.h"
#include "json.h"

/* ---- The nested form -------------------------------------------------------- */

/* The node at index i of tree and all its descendants. */
static void put_tree_node(pv_json *w, const pv_profile *p, const pv_tree *tree, size_t i)
{
    const pv_tree_node *node = &tree->nodes[i];
    pv_json_begin_object(w);
    if (node->func == PV_TREE_SYNTHETIC_ROOT) {
        pv_json_key_int(w, "id", -1);
        pv_json_key_cstring(w, "name", "<all roots>");
        pv_json_key_cstring(w, "file", "");
        pv_json_key_int(w, "line", 0);
    } else {
        const pv_function *f = &p->functions[node->func];
        pv_json_key_int(w, "id", node->func);
        pv_json_key_cstring(w, "name", f->name);
        pv_json_key_cstring(w, "file", f->file);
        pv_json_key_int(w, "line", f->line);
    }
    pv_json_key_double(w, "time", node->time);
    pv_json_key_int(w, "calls", node->calls);
    pv_json_key_bool(w, "exact", node->exact);
    pv_json_key_bool(w, "reentry", node->reentry);
    pv_api_put_why(w, node->why);
    if (node->func != PV_TREE_SYNTHETIC_ROOT) {
        /* The function's own totals, as the table shows them. */
        const pv_function *f = &p->functions[node->func];
        pv_json_key_double(w, "cumtime", f->cumtime);
        pv_json_key_double(w, "tottime", f->tottime);
        pv_json_key_int(w, "ncalls", f->ncalls);
        pv_json_key_int(w, "pcalls", f->pcalls);
    }
    pv_api_put_hidden(w, node->hidden_time, node->hidden);
    pv_json_key(w, "children");
    pv_json_begin_array(w);
    for (uint32_t c = 0; c < node->nchildren && !pv_json_failed(w); c++)
        put_tree_node(w, p, tree, (size_t)node->first_child + c);
    pv_json_end_array(w);
    pv_json_key_bool(w, "more", node->more);
    pv_json_end_object(w);
}

/* ---- The compact form ------------------------------------------------------- */

/* Numbers a node in "nodes"; web/js/treeform.js reads them in this order. */
enum { NODE_FLAG_EXACT = 1, NODE_FLAG_REENTRY = 2, NODE_FLAG_MORE = 4 };

/* An open-addressing set of the functions (or files) met so far, each with
 * its index in the answer's table: slots hold index + 1 (0 is empty). */
typedef struct seen {
    uint32_t *slots;
    size_t mask;
    uint32_t count;
} seen;

static bool seen_init(seen *s, size_t most)
{
    size_t n = 16;
    while (n < 2 * most)
        n *= 2;
    s->slots = calloc(n, sizeof *s->slots);
    s->mask = n - 1;
    s->count = 0;
    return s->slots != NULL;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t text_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The table index of the function fid, adding it as the next one when new
 * (*added then true). */
static uint32_t seen_function(seen *s, const int64_t *ids, int64_t fid, bool *added)
{
    size_t i = mix((uint64_t)fid) & s->mask;
    for (; s->slots[i]; i = (i + 1) & s->mask) {
        if (ids[s->slots[i] - 1] == fid) {
            *added = false;
            return s->slots[i] - 1;
        }
    }
    s->slots[i] = ++s->count;
    *added = true;
    return s->count - 1;
}

/* The same for a file name; names[k] is the file of index k. */
static uint32_t seen_file(seen *s, const char *const *names, const char *file, bool *added)
{
    size_t i = text_hash(file) & s->mask;
    for (; s->slots[i]; i = (i + 1) & s->mask) {
        const char *known = names[s->slots[i] - 1];
        if (known == file || strcmp(known, file) == 0) {
            *added = false;
            return s->slots[i] - 1;
        }
    }
    s->slots[i] = ++s->count;
    *added = true;
    return s->count - 1;
}

/* The tables and node order of a compact answer. */
typedef struct compact {
    uint32_t *order;    /* node indices, breadth-first from the view root */
    int64_t *fids;      /* function table: ids in order of first appearance */
    uint32_t *fn_index; /* per node (by tree index): its function's table index, or -1 */
    const char **files; /* file table, in order of first appearance */
    uint32_t *file_of;  /* per function table entry: its file's index */
    size_t nnodes;      /* entries of order */
    uint32_t nfunctions, nfiles;
} compact;

static void compact_free(compact *c)
{
    free(c->order);
    free(c->fids);
    free(c->fn_index);
    free(c->files);
    free(c->file_of);
}

/* Fills c for tree (all empty for a tree of no nodes). Returns 0, or -1
 * when out of memory. */
static int compact_build(compact *c, const pv_profile *p, const pv_tree *tree)
{
    size_t n = tree->nnodes;
    memset(c, 0, sizeof *c);
    if (n == 0) return 0;
    seen fns = {0}, files = {0};
    c->order = malloc(n * sizeof *c->order);
    c->fids = malloc(n * sizeof *c->fids);
    c->fn_index = malloc(n * sizeof *c->fn_index);
    c->files = malloc(n * sizeof *c->files);
    c->file_of = malloc(n * sizeof *c->file_of);
    if (!c->order || !c->fids || !c->fn_index || !c->files || !c->file_of || !seen_init(&fns, n) ||
        !seen_init(&files, n)) {
        free(fns.slots);
        free(files.slots);
        compact_free(c);
        return -1;
    }
    /* breadth-first from node 0, by the children ranges themselves */
    size_t head = 0, tail = 0;
    c->order[tail++] = 0;
    while (head < tail) {
        const pv_tree_node *node = &tree->nodes[c->order[head++]];
        for (uint32_t k = 0; k < node->nchildren && tail < n; k++)
            c->order[tail++] = node->first_child + k;
    }
    c->nnodes = tail;
    for (size_t i = 0; i < n; i++) {
        const pv_tree_node *node = &tree->nodes[i];
        if (node->func == PV_TREE_SYNTHETIC_ROOT) {
            c->fn_index[i] = UINT32_MAX;
            continue;
        }
        bool added;
        uint32_t k = seen_function(&fns, c->fids, node->func, &added);
        c->fn_index[i] = k;
        if (!added) continue;
        c->fids[k] = node->func;
        const char *file = p->functions[node->func].file;
        uint32_t fk = seen_file(&files, c->files, file, &added);
        if (added) c->files[fk] = file;
        c->file_of[k] = fk;
    }
    c->nfunctions = fns.count;
    c->nfiles = files.count;
    free(fns.slots);
    free(files.slots);
    return 0;
}

/* "files", "functions", "whys" and "nodes" of a compact answer. */
static int put_compact(pv_json *w, const pv_profile *p, const pv_tree *tree)
{
    compact c;
    if (compact_build(&c, p, tree) < 0) return -1;
    pv_json_key(w, "files");
    pv_json_begin_array(w);
    for (uint32_t k = 0; k < c.nfiles; k++)
        pv_json_cstring(w, c.files[k]);
    pv_json_end_array(w);
    pv_json_key(w, "functions");
    pv_json_begin_array(w);
    for (uint32_t k = 0; k < c.nfunctions && !pv_json_failed(w); k++) {
        const pv_function *f = &p->functions[c.fids[k]];
        pv_json_begin_array(w);
        pv_json_int(w, c.fids[k]);
        pv_json_cstring(w, f->name);
        pv_json_int(w, c.file_of[k]);
        pv_json_int(w, f->line);
        pv_json_double(w, f->cumtime);
        pv_json_double(w, f->tottime);
        pv_json_int(w, f->ncalls);
        pv_json_int(w, f->pcalls);
        pv_json_end_array(w);
    }
    pv_json_end_array(w);
    pv_json_key(w, "whys");
    pv_json_begin_array(w);
    for (int why = PV_TREE_MEASURED; why <= PV_TREE_OVERLAPPING_ROOTS; why++) {
        const char *name = pv_tree_why_name((pv_tree_why)why);
        if (name)
            pv_json_cstring(w, name);
        else
            pv_json_null(w);
    }
    pv_json_end_array(w);
    pv_json_key(w, "nodes");
    pv_json_begin_array(w);
    for (size_t k = 0; k < c.nnodes && !pv_json_failed(w); k++) {
        size_t i = c.order[k];
        const pv_tree_node *node = &tree->nodes[i];
        pv_json_int(w, c.fn_index[i] == UINT32_MAX ? -1 : (int64_t)c.fn_index[i]);
        pv_json_double(w, node->time);
        pv_json_int(w, node->calls);
        pv_json_int(w, (node->exact ? NODE_FLAG_EXACT : 0) |
                           (node->reentry ? NODE_FLAG_REENTRY : 0) |
                           (node->more ? NODE_FLAG_MORE : 0));
        pv_json_int(w, (int64_t)node->why);
        pv_json_double(w, node->hidden > 0 ? node->hidden_time : 0);
        pv_json_int(w, node->hidden);
        pv_json_int(w, node->nchildren);
    }
    pv_json_end_array(w);
    compact_free(&c);
    return 0;
}

/* ---- The request ------------------------------------------------------------ */

int pv_api_tree_reply(const pv_registry_entry *entry, const pv_api_request *req,
                      pv_api_reply *reply)
{
    pv_error perr;
    static const char *const forms[] = {"nested", "compact"};
    int form = 0;
    pv_tree_request treq;
    if (pv_api_word_param(req, "form", forms, 2, "nested or compact", &form, &perr) < 0 ||
        pv_api_tree_params(req, &treq, &perr) < 0)
        return pv_api_reply_fail(reply, &perr);

    pv_tree *tree = NULL;
    pv_error err;
    int rc = pv_tree_build(entry->profile, &treq, &tree, &err);
    free((void *)treq.path);
    if (rc < 0) {
        if (err.kind == PV_ERR_NOT_FOUND) pv_error_prefix(&err, "bad path: ");
        return pv_api_reply_fail(reply, &err);
    }
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key(&w, "path");
    pv_json_begin_array(&w);
    for (size_t i = 0; i < tree->path_len; i++)
        pv_json_int(&w, tree->path[i]);
    pv_json_end_array(&w);
    int out = 0;
    if (form == 1) {
        pv_json_key_cstring(&w, "form", "compact");
        out = put_compact(&w, entry->profile, tree);
    } else if (tree->nnodes > 0) {
        pv_json_key(&w, "root");
        put_tree_node(&w, entry->profile, tree, 0);
    }
    pv_json_end_object(&w);
    pv_tree_free(tree);
    if (out < 0) {
        pv_json_free(&w);
        return pv_api_reply_error(reply, 500, "out of memory");
    }
    return pv_api_reply_json(reply, &w);
}
