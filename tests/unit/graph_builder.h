/* graph_builder.h: hand-made profiles for the parser's unit tests (static
 * inline functions only, so a file that uses a few of them builds without
 * warnings about the others). Functions get ids in the order given and line
 * i + 1 in "t.py" (or in files[i]); with gfn each function's own time is half
 * its cumtime and its primitive calls its calls, with gfnx both are given; an
 * edge's tottime is half its cumtime. The profile returned is the caller's,
 * freed with pv_profile_free(); a failure fails the running cmocka test. */
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

/* A function with its own time and primitive calls given (gfn gives half the
 * cumtime and ncalls). */
typedef struct gfnx {
    const char *name;
    int64_t ncalls, pcalls;
    double cumtime, tottime;
} gfnx;

/* One caller->callee edge; cumtime NAN makes it count-only. */
typedef struct gcall {
    int caller, callee;
    int64_t ncalls;
    double cumtime;
} gcall;

/* The functions are fx's when it is not NULL, else fns'; files[i] is
 * function i's file name; files NULL means "t.py" for all. */
static inline pv_profile *graph_make_x(const gfn *fns, const gfnx *fx, const char *const *files,
                                       size_t nfns, const gcall *calls, size_t ncalls)
{
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    for (size_t i = 0; i < nfns; i++) {
        const char *file = files ? files[i] : "t.py";
        const char *name = fx ? fx[i].name : fns[i].name;
        int64_t id =
            pv_builder_intern(b, file, strlen(file), (int64_t)i + 1, name, strlen(name), &err);
        assert_int_equal(id, (int64_t)i);
    }
    for (size_t i = 0; i < nfns; i++) {
        int64_t nc = fx ? fx[i].ncalls : fns[i].ncalls, pc = fx ? fx[i].pcalls : nc;
        double ct = fx ? fx[i].cumtime : fns[i].cumtime, own = fx ? fx[i].tottime : ct / 2;
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, nc, pc, own, ct, &err), 0);
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

static inline pv_profile *graph_make_in(const gfn *fns, const char *const *files, size_t nfns,
                                        const gcall *calls, size_t ncalls)
{
    return graph_make_x(fns, NULL, files, nfns, calls, ncalls);
}

static inline pv_profile *graph_make(const gfn *fns, size_t nfns, const gcall *calls, size_t ncalls)
{
    return graph_make_in(fns, NULL, nfns, calls, ncalls);
}

#define GRAPH(fns, calls)                                                                          \
    graph_make(fns, sizeof fns / sizeof fns[0], calls, sizeof calls / sizeof calls[0])

#define GRAPHX(fx, calls)                                                                          \
    graph_make_x(NULL, fx, NULL, sizeof fx / sizeof fx[0], calls, sizeof calls / sizeof calls[0])

/* cmocka 1.1 (Debian bookworm) has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

#endif
