/* gzip.c: response compression and capped, streaming inflation (see gzip.h). */
#include "gzip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define CHUNK ((size_t)1 << 30) /* zlib counts in uInt */
#define PEEK_BYTES 4096         /* what pv_sniff (sniff.h) looks at */
#define FIRST_GROWTH ((size_t)1 << 20)

bool pv_gzip_is_gzip(const unsigned char *data, size_t len)
{
    return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

bool pv_gzip_accepted(const char *h)
{
    if (!h) return false;
    while (*h) {
        while (*h == ' ' || *h == '\t' || *h == ',')
            h++;
        const char *tok = h;
        while (*h && *h != ',' && *h != ';' && *h != ' ' && *h != '\t')
            h++;
        size_t tok_len = (size_t)(h - tok);
        bool named = (tok_len == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
                     (tok_len == 6 && strncasecmp(tok, "x-gzip", 6) == 0) ||
                     (tok_len == 1 && *tok == '*');
        bool zero = false;
        while (*h && *h != ',') {
            /* Parameters: only q matters. */
            if ((*h == 'q' || *h == 'Q') && h[1] == '=') {
                char *end = NULL;
                double q = strtod(h + 2, &end);
                zero = end != h + 2 && q <= 0;
                h = end != h + 2 ? end : h + 2;
                continue;
            }
            h++;
        }
        if (named && !zero) return true;
    }
    return false;
}

unsigned char *pv_gzip_compress(const void *data, size_t len, int level, size_t *out_len)
{
    if (len > UINT32_MAX) return NULL;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(cap);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t produced = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END || produced >= len) {
        free(out);
        return NULL;
    }
    *out_len = produced;
    return out;
}

/* The first buffer size: what the trailer says (ISIZE, the length mod 2^32)
 * when it is within the cap and at most 1000 times the compressed size
 * (deflate's limit is about 1032), else 1 MB. */
static size_t first_size(const unsigned char *data, size_t len, size_t cap)
{
    size_t guess = FIRST_GROWTH;
    if (len >= 18) {
        const unsigned char *t = data + len - 4;
        size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
        if (isize > 0 && isize / 1000 <= len) guess = isize + 1; /* +1: the end is seen */
    }
    return guess < cap ? guess : cap;
}

static double megabytes(size_t n)
{
    return (double)n / (1024.0 * 1024.0);
}

int pv_gzip_inflate(const unsigned char *data, size_t len, size_t cap, pv_gzip_peek_fn peek,
                    unsigned char **out, size_t *out_len, pv_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory (zlib)");
    size_t size = first_size(data, len, cap);
    unsigned char *buf = malloc(size ? size : 1);
    size_t n = 0, fed = 0;
    bool peeked = peek == NULL;
    int status = -1;
    if (!buf) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory inflating %zu bytes", size);
        goto done;
    }
    for (;;) {
        if (z.avail_in == 0 && fed < len) {
            size_t chunk = len - fed > CHUNK ? CHUNK : len - fed;
            z.next_in = (unsigned char *)(uintptr_t)data + fed;
            z.avail_in = (uInt)chunk;
            fed += chunk;
        }
        if (n == size) {
            if (size >= cap) {
                pv_fail(err, PV_ERR_INPUT, (int64_t)z.total_in,
                        "gzip-compressed data inflates to more than %.0f MB, the limit",
                        megabytes(cap));
                goto done;
            }
            size_t grown = size < FIRST_GROWTH ? FIRST_GROWTH : size * 2;
            if (grown > cap || grown < size) grown = cap;
            unsigned char *p = realloc(buf, grown);
            if (!p) {
                pv_fail(err, PV_ERR_NOMEM, -1, "out of memory inflating %zu bytes", grown);
                goto done;
            }
            buf = p;
            size = grown;
        }
        /* Before peeking, inflate only a little, so that a stream whose
         * start is already wrong costs nothing. */
        size_t room = size - n;
        if (!peeked && room > PEEK_BYTES - n && n < PEEK_BYTES) room = PEEK_BYTES - n;
        if (room > CHUNK) room = CHUNK;
        z.next_out = buf + n;
        z.avail_out = (uInt)room;
        int rc = inflate(&z, Z_NO_FLUSH);
        n += room - z.avail_out;
        if (!peeked && (n >= PEEK_BYTES || rc == Z_STREAM_END)) {
            peeked = true;
            if (!peek(buf, n, err)) goto done;
        }
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == len) {
            pv_fail(err, PV_ERR_INPUT, (int64_t)z.total_in, "gzip-compressed data is truncated");
            goto done;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            pv_fail(err, PV_ERR_INPUT, (int64_t)z.total_in, "gzip-compressed data is corrupt: %s",
                    z.msg ? z.msg : "inflate failed");
            goto done;
        }
    }
    *out = buf;
    *out_len = n;
    buf = NULL;
    status = 0;
done:
    inflateEnd(&z);
    free(buf);
    return status;
}
