/* Unit tests of server/api_tree.c without a server: the compact form holds
 * the tree that calltree.h builds, node for node, in breadth-first order,
 * each function and file once; the form parameter's errors. (The Python
 * integration tests read the compact form back and compare it with the
 * nested one on several profiles.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "api_fixture.h"
#include "calltree.h"
#include "registry.h"

static char tree_path[96];

static int setup_tree(void **state)
{
    if (setup(state) < 0) return -1;
    fixture *f = *state;
    snprintf(tree_path, sizeof tree_path, "/api/profiles/%s/tree", f->id);
    return 0;
}

/* The numbers of the array after "key":[ in body (no nested arrays), as
 * doubles; sets *n. */
static double *numbers_of(const char *body, const char *key, size_t *n)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":[", key);
    const char *p = strstr(body, pat);
    assert_non_null(p);
    p += strlen(pat);
    size_t cap = 64, k = 0;
    double *v = malloc(cap * sizeof *v);
    while (*p != ']') {
        char *end;
        if (k == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[k++] = strtod(p, &end);
        assert_true(end > p);
        p = *end == ',' ? end + 1 : end;
    }
    *n = k;
    return v;
}

/* How many top-level entries the array after "key":[ has (entries are
 * arrays or strings without brackets or escaped quotes). */
static size_t entries_of(const char *body, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":[", key);
    const char *p = strstr(body, pat);
    assert_non_null(p);
    p += strlen(pat);
    size_t n = 0;
    int depth = 0;
    bool in_string = false;
    for (; *p && (depth > 0 || in_string || *p != ']'); p++) {
        if (*p == '\\') {
            p++;
            continue;
        }
        if (*p == '"') in_string = !in_string;
        if (in_string) continue;
        if (*p == '[') depth++;
        if (*p == ']') depth--;
        if (*p == ',' && depth == 0) n++;
    }
    return *(p - 1) == '[' ? 0 : n + 1;
}

static void compact_nodes_are_the_tree_breadth_first(void **state)
{
    fixture *f = *state;
    const char *args[] = {"depth=6", "cutoff=0", "max_nodes=300", "form=compact", NULL};
    char *body;
    assert_int_equal(call(f, "GET", tree_path, args, &body), 200);
    assert_non_null(strstr(body, "\"form\":\"compact\""));

    const pv_registry_entry *entry = pv_registry_acquire(f->reg, f->id);
    assert_non_null(entry);
    pv_tree_request treq;
    pv_tree_request_defaults(&treq);
    treq.depth = 6;
    treq.cutoff = 0;
    treq.max_nodes = 300;
    pv_tree *tree = NULL;
    pv_error err;
    assert_int_equal(pv_tree_build(entry->profile, &treq, &tree, &err), 0);
    assert_true(tree->nnodes > 20);

    size_t n;
    double *v = numbers_of(body, "nodes", &n);
    assert_int_equal(n, 8 * tree->nnodes);
    /* the tree breadth-first from node 0, by its children ranges */
    uint32_t *order = malloc(tree->nnodes * sizeof *order);
    size_t head = 0, tail = 0;
    order[tail++] = 0;
    while (head < tail) {
        const pv_tree_node *node = &tree->nodes[order[head++]];
        for (uint32_t c = 0; c < node->nchildren; c++)
            order[tail++] = node->first_child + c;
    }
    assert_int_equal(tail, tree->nnodes);
    int64_t *fn_ids = calloc(tree->nnodes, sizeof *fn_ids);
    size_t nfns = 0;
    for (size_t k = 0; k < tree->nnodes; k++) {
        const pv_tree_node *node = &tree->nodes[order[k]];
        const double *x = v + 8 * k;
        /* a function's index is the order of its first appearance */
        size_t fi = (size_t)x[0];
        assert_true(fi <= nfns);
        if (fi == nfns) fn_ids[nfns++] = node->func;
        assert_int_equal(fn_ids[fi], node->func);
        assert_true(x[1] == node->time);
        assert_int_equal((int64_t)x[2], node->calls);
        assert_int_equal((int)x[3],
                         (node->exact ? 1 : 0) | (node->reentry ? 2 : 0) | (node->more ? 4 : 0));
        assert_int_equal((int)x[4], (int)node->why);
        assert_true(x[5] == (node->hidden > 0 ? node->hidden_time : 0));
        assert_int_equal((uint32_t)x[6], node->hidden);
        assert_int_equal((uint32_t)x[7], node->nchildren);
    }
    assert_int_equal(entries_of(body, "functions"), nfns);
    /* each file once: fewer files than functions here (a module has several) */
    size_t nfiles = entries_of(body, "files");
    assert_true(nfiles >= 1 && nfiles < nfns);
    assert_int_equal(entries_of(body, "whys"), PV_TREE_OVERLAPPING_ROOTS + 1);

    free(fn_ids);
    free(order);
    free(v);
    pv_tree_free(tree);
    pv_registry_release(f->reg, entry);
    free(body);
}

static void form_is_nested_by_default_and_nothing_else_is_accepted(void **state)
{
    fixture *f = *state;
    const char *plain[] = {"depth=1", NULL};
    const char *nested[] = {"depth=1", "form=nested", NULL};
    char *a, *b;
    assert_int_equal(call(f, "GET", tree_path, plain, &a), 200);
    assert_int_equal(call(f, "GET", tree_path, nested, &b), 200);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"root\":{"));
    free(a);
    free(b);
    const char *bad[] = {"form=Compact", NULL};
    assert_int_equal(call(f, "GET", tree_path, bad, &a), 400);
    assert_string_equal(a, "{\"error\":\"bad parameter 'form': expected nested or compact, got "
                           "\\\"Compact\\\"\"}");
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_nodes_are_the_tree_breadth_first),
        cmocka_unit_test(form_is_nested_by_default_and_nothing_else_is_accepted),
    };
    return cmocka_run_group_tests(tests, setup_tree, teardown);
}
