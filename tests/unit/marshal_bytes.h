/* marshal_bytes.h: building marshal bytes by hand, for the parser tests.
 *
 * A bytes value is a growable buffer the test owns and frees with
 * bytes_free(); every helper appends one object (or part of one) in the
 * little-endian layout Python's marshal writes. Failures to allocate fail the
 * running cmocka test. Included by the test files that need it; the helpers
 * are static inline so that each test executable has its own copy and a file
 * that uses a few of them builds without warnings about the others.
 */
#ifndef PV_TEST_MARSHAL_BYTES_H
#define PV_TEST_MARSHAL_BYTES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
} bytes;

static inline void put(bytes *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}

static inline void u8(bytes *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static inline void i32(bytes *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int k = 0; k < 4; k++)
        u8(b, (u >> (8 * k)) & 0xff);
}

static inline void i64(bytes *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int k = 0; k < 8; k++)
        u8(b, (unsigned)(u >> (8 * k)) & 0xff);
}

static inline void f64(bytes *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    i64(b, (int64_t)u);
}

/* A string with an i32 length (s t u a A). */
static inline void str(bytes *b, unsigned code, const char *s)
{
    u8(b, code);
    i32(b, (int32_t)strlen(s));
    put(b, s, strlen(s));
}

/* A string with a u8 length (z Z), or a text float (f). */
static inline void short_str(bytes *b, unsigned code, const char *s)
{
    u8(b, code);
    u8(b, (unsigned)strlen(s));
    put(b, s, strlen(s));
}

static inline void int32_obj(bytes *b, int32_t v)
{
    u8(b, 'i');
    i32(b, v);
}

/* A small tuple header: code ')' and a u8 count (flag may add 0x80). */
static inline void small_tuple(bytes *b, unsigned flag, unsigned count)
{
    u8(b, ')' | flag);
    u8(b, count);
}

static inline void ref(bytes *b, int32_t index)
{
    u8(b, 'r');
    i32(b, index);
}

static inline void bytes_free(bytes *b)
{
    free(b->p);
    *b = (bytes){0};
}

/* Embeds the bytes given in hex. */
static inline void hex(bytes *b, const char *h)
{
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        u8(b, v);
    }
}

#endif
