/* cursor.h: the only way parser code reads untrusted bytes.
 *
 * A pv_cursor is a view of a byte buffer it does not own and a position in
 * it. Every read checks that the bytes are there before touching them and,
 * when they are not, fills the error with what was being read and the offset
 * where it started. Nothing here allocates.
 */
#ifndef PV_CURSOR_H
#define PV_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"

typedef struct pv_cursor {
    const unsigned char *data;
    size_t len;
    size_t pos;
} pv_cursor;

static inline size_t pv_cursor_left(const pv_cursor *c)
{
    return c->len - c->pos;
}

static inline int pv_cursor_truncated(const pv_cursor *c, size_t need, const char *what,
                                      pv_error *err)
{
    pv_fail(err, PV_ERR_INPUT, (int64_t)c->pos, "truncated file: %s needs %zu bytes, %zu left",
            what, need, pv_cursor_left(c));
    return -1; /* spelled out so that compilers see every failure path return nonzero */
}

static inline int pv_cursor_u8(pv_cursor *c, uint8_t *out, const char *what, pv_error *err)
{
    if (pv_cursor_left(c) < 1) return pv_cursor_truncated(c, 1, what, err);
    *out = c->data[c->pos++];
    return 0;
}

static inline int pv_cursor_i32(pv_cursor *c, int32_t *out, const char *what, pv_error *err)
{
    if (pv_cursor_left(c) < 4) return pv_cursor_truncated(c, 4, what, err);
    const unsigned char *p = c->data + c->pos;
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    *out = (int32_t)u;
    c->pos += 4;
    return 0;
}

static inline int pv_cursor_u64(pv_cursor *c, uint64_t *out, const char *what, pv_error *err)
{
    if (pv_cursor_left(c) < 8) return pv_cursor_truncated(c, 8, what, err);
    const unsigned char *p = c->data + c->pos;
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    *out = u;
    c->pos += 8;
    return 0;
}

/* Points *out at the next n bytes (inside the buffer) and moves past them. */
static inline int pv_cursor_bytes(pv_cursor *c, size_t n, const unsigned char **out,
                                  const char *what, pv_error *err)
{
    if (pv_cursor_left(c) < n) return pv_cursor_truncated(c, n, what, err);
    *out = c->data + c->pos;
    c->pos += n;
    return 0;
}

#endif
