/* marshal_checks.h: reading marshal bytes (marshal_bytes.h) with the pull
 * reader and checking what it gives, for the tests of parser/marshal.c.
 * reader() returns a reader the caller frees with pv_marshal_free(); the
 * checks fail the running cmocka test. Static inline functions only, so a
 * file that uses a few of them builds without warnings about the others. */
#ifndef PV_TEST_MARSHAL_CHECKS_H
#define PV_TEST_MARSHAL_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "marshal.h"

#include "marshal_bytes.h"

/* ---- reading ---- */

static inline pv_marshal_reader *reader(const bytes *b)
{
    pv_marshal_reader *r = pv_marshal_new(b->p, b->n);
    assert_non_null(r);
    return r;
}

/* Reads the next header, which must succeed and be of the given kind. */
static inline pv_mvalue next_ok(pv_marshal_reader *r, pv_mkind kind)
{
    pv_mvalue v = {0}; /* see marshal_next_fills_a_value_that_held_garbage */
    pv_error err = {0};
    int rc = pv_marshal_next(r, &v, &err);
    if (rc != 0) print_error("unexpected error at %lld: %s\n", (long long)err.offset, err.message);
    assert_int_equal(rc, 0);
    if (v.kind != kind)
        print_error("got a %s, want a %s\n", pv_marshal_kind_name(v.kind),
                    pv_marshal_kind_name(kind));
    assert_int_equal(v.kind, kind);
    return v;
}

static inline void assert_error(const pv_error *err, const char *message, int64_t offset)
{
    if (!strstr(err->message, message) || err->offset != offset)
        print_error("got \"%s\" at %lld, want \"%s\" at %lld\n", err->message,
                    (long long)err->offset, message, (long long)offset);
    assert_non_null(strstr(err->message, message));
    assert_int_equal(err->offset, offset);
}

/* Reads one whole top-level object, which must fail with message (a
 * substring) at offset. */
static inline void expect_failure(const bytes *b, const char *message, int64_t offset)
{
    pv_marshal_reader *r = reader(b);
    pv_error err = {0};
    pv_mvalue v;
    assert_int_equal(pv_marshal_read_whole(r, &v, &err), -1);
    assert_error(&err, message, offset);
    pv_marshal_free(r);
}

#endif
