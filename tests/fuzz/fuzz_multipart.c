/* fuzz_multipart: libFuzzer target for the streaming multipart/form-data
 * parser (multipart.c). The first byte picks a chunk size; the body is fed
 * in chunks of it and again in one piece, and both runs must agree on the
 * outcome, the parts and every byte of their data. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct digest {
    unsigned parts;
    uint64_t hash; /* over part names and data, in order */
    size_t bytes;
} digest;

static void mix(digest *d, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        d->hash = (d->hash ^ c[i]) * UINT64_C(0x100000001b3);
}

static int on_begin(void *ctx, const char *name, const char *filename)
{
    digest *d = ctx;
    d->parts++;
    mix(d, "|", 1);
    if (name) mix(d, name, strlen(name));
    mix(d, "|", 1);
    if (filename) mix(d, filename, strlen(filename));
    return 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    digest *d = ctx;
    if (len == 0) abort(); /* no empty pieces */
    mix(d, data, len);
    d->bytes += len;
    return 0;
}

static int run(const char *body, size_t len, size_t chunk, digest *d)
{
    pv_error err;
    memset(d, 0, sizeof *d);
    d->hash = UINT64_C(0xcbf29ce484222325);
    pv_multipart_events ev = {.part_begin = on_begin, .part_data = on_data, .ctx = d};
    pv_multipart *m = pv_multipart_new("bOuNd", &ev, &err);
    if (!m) abort();
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < len; at += chunk)
        rc = pv_multipart_feed(m, body + at, at + chunk > len ? len - at : chunk, &err);
    if (rc == 0) rc = pv_multipart_finish(m, &err);
    if (rc < 0 && err.kind != PV_ERR_INPUT && err.kind != PV_ERR_NOMEM) abort();
    pv_multipart_free(m);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t chunk = (size_t)data[0] % 17 + 1;
    const char *body = (const char *)data + 1;
    digest a, b;
    int ra = run(body, size - 1, chunk, &a);
    int rb = run(body, size - 1, size, &b);
    /* A malformed body may fail at a different point; a good one never
     * depends on the chunking. */
    if (ra != rb) abort();
    if (ra == 0 && (a.parts != b.parts || a.hash != b.hash || a.bytes != b.bytes)) abort();
    return 0;
}
