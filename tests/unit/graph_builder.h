/* graph_builder.h: hand-made profiles for the parser's unit tests (included
 * by one test file each; static functions only). Functions get ids in the
 * order given; each function's own time is half its cumtime, and an edge's
 * tottime half its cumtime. */
#ifndef PV_TEST_GRAPH_BUILDER_H
#define PV_TEST_GRAPH_BUILDER_H

#include <math.h>
#include <string.h>

#include "profile.h"

typedef struct gfn {
    const char *name;
    int64_t ncalls;
    double cumtime;
} gfn;

/* One caller->callee edge; cumtime NAN makes it count-only. */
typedef struct gcall {
    int caller, callee;
    int64_t ncalls;
    double cumtime;
} gcall;

static pv_profile *graph_make(const gfn *fns, size_t nfns, const gcall *calls, size_t ncalls)
{
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    for (size_t i = 0; i < nfns; i++) {
        int64_t id =
            pv_builder_intern(b, "t.py", 4, (int64_t)i + 1, fns[i].name, strlen(fns[i].name), &err);
        assert_int_equal(id, (int64_t)i);
    }
    for (size_t i = 0; i < nfns; i++) {
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, fns[i].ncalls, fns[i].ncalls,
                                                fns[i].cumtime / 2, fns[i].cumtime, &err),
                         0);
        for (size_t k = 0; k < ncalls; k++) {
            if (calls[k].callee != (int)i) continue;
            double tt = isnan(calls[k].cumtime) ? NAN : calls[k].cumtime / 2;
            assert_int_equal(pv_builder_add_caller(b, (uint32_t)calls[k].caller, calls[k].ncalls,
                                                   calls[k].ncalls, tt, calls[k].cumtime, &err),
                             0);
        }
    }
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    return p;
}

#define GRAPH(fns, calls)                                                                          \
    graph_make(fns, sizeof fns / sizeof fns[0], calls, sizeof calls / sizeof calls[0])

/* cmocka 1.1 (Debian bookworm) has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

#endif
