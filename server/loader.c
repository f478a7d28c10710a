#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pstats.h"

static bool is_gzip(const unsigned char *data, size_t len)
{
    return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/* Inflates a gzip stream into a new buffer (the caller frees *out). */
static int inflate_gzip(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len,
                        pv_error *err)
{
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot start zlib");
    size_t cap = len * 4 + 4096, n = 0;
    unsigned char *buf = malloc(cap);
    int status = -1;
    if (!buf) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    z.next_in = (unsigned char *)data;
    size_t fed = 0;
    for (;;) {
        if (z.avail_in == 0 && fed < len) {
            size_t chunk = len - fed > (1u << 30) ? (1u << 30) : len - fed;
            z.next_in = (unsigned char *)data + fed;
            z.avail_in = (uInt)chunk;
            fed += chunk;
        }
        if (n == cap) {
            if (cap >= PV_LOADER_MAX_INFLATED) {
                pv_fail(err, PV_ERR_INPUT, -1,
                        "gzip-compressed file inflates to more than %zu bytes",
                        PV_LOADER_MAX_INFLATED);
                goto done;
            }
            size_t grown = cap * 2 > PV_LOADER_MAX_INFLATED ? PV_LOADER_MAX_INFLATED : cap * 2;
            unsigned char *p = realloc(buf, grown);
            if (!p) {
                pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
                goto done;
            }
            buf = p;
            cap = grown;
        }
        size_t room = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        z.next_out = buf + n;
        z.avail_out = (uInt)room;
        int rc = inflate(&z, Z_NO_FLUSH);
        n += room - z.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == len) {
            pv_fail(err, PV_ERR_INPUT, (int64_t)z.total_in, "gzip-compressed file is truncated");
            goto done;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            pv_fail(err, PV_ERR_INPUT, (int64_t)z.total_in, "gzip-compressed file is corrupt: %s",
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

static int load_bytes(const unsigned char *data, size_t len, unsigned flags, pv_profile **out,
                      pv_error *err)
{
    *out = NULL;
    if (!is_gzip(data, len)) return pv_pstats_parse_with(data, len, flags, out, err);
    unsigned char *inner = NULL;
    size_t inner_len = 0;
    if (inflate_gzip(data, len, &inner, &inner_len, err)) return -1;
    int status = pv_pstats_parse_with(inner, inner_len, flags, out, err);
    free(inner);
    /* Say where the problem is: inside the compressed stream. */
    if (status) pv_error_prefix(err, "in the gzip-compressed data: ");
    return status;
}

int pv_load_profile_bytes(const unsigned char *data, size_t len, pv_profile **out, pv_error *err)
{
    return load_bytes(data, len, 0, out, err);
}

static int load_file(const char *path, unsigned flags, pv_profile **out, pv_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pv_fail(err, errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO, -1, "cannot open: %s",
                       strerror(errno));
    unsigned char magic[2];
    size_t got = fread(magic, 1, 2, f);
    if (!is_gzip(magic, got)) {
        fclose(f);
        return pv_pstats_load_file_with(path, flags, out, err);
    }
    /* Compressed: read it all, then inflate. */
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    rewind(f);
    for (;;) {
        if (len == cap) {
            size_t grown = cap ? cap * 2 : 1 << 16;
            unsigned char *p = realloc(data, grown);
            if (!p) {
                free(data);
                fclose(f);
                return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
            }
            data = p;
            cap = grown;
        }
        size_t n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(data);
        return pv_fail(err, PV_ERR_IO, -1, "cannot read");
    }
    int status = load_bytes(data, len, flags, out, err);
    free(data);
    return status;
}

int pv_load_profile(const char *path, pv_profile **out, pv_error *err)
{
    return load_file(path, 0, out, err);
}

int pv_load_merged(const char *const *paths, size_t n, pv_profile **out, size_t *failed,
                   pv_error *err)
{
    return pv_load_merged_with(paths, n, 0, out, failed, err);
}

int pv_load_merged_with(const char *const *paths, size_t n, unsigned flags, pv_profile **out,
                        size_t *failed, pv_error *err)
{
    *out = NULL;
    if (n == 1) {
        *failed = 0;
        return load_file(paths[0], flags, out, err);
    }
    pv_profile **parts = calloc(n, sizeof *parts);
    if (!parts) {
        *failed = n;
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    int status = -1;
    for (size_t i = 0; i < n; i++) {
        if (load_file(paths[i], flags, &parts[i], err)) {
            *failed = i;
            goto done;
        }
    }
    *out = pv_profile_merge((const pv_profile *const *)parts, n, err);
    *failed = n;
    status = *out ? 0 : -1;
done:
    for (size_t i = 0; i < n; i++)
        pv_profile_free(parts[i]);
    free(parts);
    return status;
}
