/* gzip.h: gzip both ways: compressing responses, and inflating compressed
 * profiles against a size cap.
 *
 * pv_gzip_compress and pv_gzip_inflate return new malloc'd buffers that the
 * caller frees; nothing else here allocates. pv_gzip_inflate works as a
 * stream: the output grows only as far as the data really inflates (from
 * the size the gzip trailer claims, when that is plausible), never past the
 * cap, so a small file that would inflate to gigabytes (a gzip bomb) is
 * refused after at most cap bytes, and one whose first bytes are already not
 * a profile is refused after the first block.
 */
#ifndef PV_GZIP_H
#define PV_GZIP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* True when the bytes start with the gzip magic number. */
bool pv_gzip_is_gzip(const unsigned char *data, size_t len);

/* True when an Accept-Encoding value (NULL: absent) takes gzip: gzip, x-gzip
 * or *, with a q-value that is not zero. */
bool pv_gzip_accepted(const char *accept_encoding);

/* Compresses len bytes at level (1-9) into a new buffer. Returns it with
 * *out_len set, or NULL when out of memory or when it would not be smaller. */
unsigned char *pv_gzip_compress(const void *data, size_t len, int level, size_t *out_len);

/* Looks at the first inflated bytes (at least 4096, or all of them when the
 * stream is shorter) and returns true to go on, or false with err filled (an
 * input error saying what the bytes are) to stop inflating. */
typedef bool (*pv_gzip_peek_fn)(const unsigned char *data, size_t len, pv_error *err);

/* Inflates the gzip stream (one member, as gzip writes) of len bytes into a
 * new buffer of at most cap bytes. Returns 0 with *out and *out_len set, or
 * -1 with err filled: out of memory, or bad input (offset = bytes of the
 * compressed stream read): corrupt or truncated data, more than cap bytes
 * inflated ("... inflates to more than N MB"), or peek (when not NULL)
 * refusing the first bytes (with its error). */
int pv_gzip_inflate(const unsigned char *data, size_t len, size_t cap, pv_gzip_peek_fn peek,
                    unsigned char **out, size_t *out_len, pv_error *err);

#endif
