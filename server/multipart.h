/* multipart.h: a streaming multipart/form-data parser (RFC 7578) for
 * uploads.
 *
 * The body is fed in chunks of any size; the parser calls part_begin when
 * a part's headers are complete (with the name and filename of its
 * Content-Disposition, NULL when absent) and part_data with each piece of
 * the part's content, never holding more than one boundary's length of it
 * back. Part headers are bounded (PV_MULTIPART_MAX_HEADERS bytes) and so is
 * the boundary (70 characters, as RFC 2046 says). A callback returning
 * nonzero stops the parse (pv_multipart_feed then fails with the message
 * "stopped").
 *
 * Ownership: a pv_multipart belongs to its caller (pv_multipart_free); the
 * strings given to part_begin live only during the call.
 */
#ifndef PV_MULTIPART_H
#define PV_MULTIPART_H

#include <stddef.h>

#include "error.h"

#define PV_MULTIPART_MAX_HEADERS 8192
#define PV_MULTIPART_MAX_BOUNDARY 70

typedef struct pv_multipart pv_multipart;

typedef struct pv_multipart_events {
    int (*part_begin)(void *ctx, const char *name, const char *filename);
    int (*part_data)(void *ctx, const char *data, size_t len);
    void *ctx;
} pv_multipart_events;

/* Copies the boundary parameter of a Content-Type value (quoted or not)
 * into out (at least PV_MULTIPART_MAX_BOUNDARY + 1 bytes). Returns 0, or -1
 * with err filled when the value is not multipart/form-data with a usable
 * boundary. */
int pv_multipart_boundary(const char *content_type, char *out, size_t size, pv_error *err);

/* Starts a parser for boundary with the given callbacks (copied). Returns it,
 * or NULL with err filled when out of memory or the boundary is empty or too
 * long. */
pv_multipart *pv_multipart_new(const char *boundary, const pv_multipart_events *events,
                               pv_error *err);

/* Parses the next len bytes. Returns 0, or -1 with err filled (malformed
 * part headers; offset = bytes of the body fed before the problem). */
int pv_multipart_feed(pv_multipart *m, const char *data, size_t len, pv_error *err);

/* The body ended. Returns 0 when the closing boundary was seen, else -1
 * with err filled. */
int pv_multipart_finish(pv_multipart *m, pv_error *err);

/* Frees the parser. NULL is fine. */
void pv_multipart_free(pv_multipart *m);

#endif
